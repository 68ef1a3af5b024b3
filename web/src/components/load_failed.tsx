// What a page shows when the object it is about could not be read: what went wrong (a 404
// for an object the caller may not see, as for one that does not exist) and where to go.
import { ErrorNotice } from "./notices";

export function LoadFailed({ title, error, back, backText }: { title: string; error: unknown; back: string; backText: string }) {
  return (
    <main>
      <h1>{title}</h1>
      <ErrorNotice error={error} />
      <p>
        Check the address, or ask an owner for access. <a href={back}>{backText}</a>
      </p>
    </main>
  );
}

// Errors, empty states and the live-stream indicator, worded the same on every page.
import { ComponentChildren } from "preact";
import { ApiError, describeError } from "../api/client";
import { StreamState } from "../api/stream";

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="notice error" role="alert">
      {describeError(error)}
    </p>
  );
}

export function EmptyState({ children }: { children: ComponentChildren }) {
  return <p class="notice empty">{children}</p>;
}

const kStateWords: Record<StreamState, string> = {
  connecting: "connecting…",
  open: "live",
  reconnecting: "reconnecting…",
  failed: "not live",
};

export function LiveIndicator({ state }: { state: StreamState }) {
  return (
    <span class={`live live-${state}`} role="status" aria-live="polite">
      {kStateWords[state]}
    </span>
  );
}

export function PhaseBadge({ phase }: { phase: string | undefined }) {
  const text = phase || "not started";
  return <span class={`phase phase-${text.toLowerCase().replace(/[^a-z]/g, "")}`}>{text}</span>;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

// The projects the caller may see, live, and a form to create one.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Project } from "../api/types";
import { useWatchedList } from "../api/watched_list";
import { EmptyState, ErrorNotice, LiveIndicator } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { navigate, projectPath } from "../router";

function CreateProject() {
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const project = await api<Project>("POST", "/projects", { name: name.trim() });
      setName("");
      navigate(projectPath(project.id));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <label for="project-name">New project name</label>
      <input
        id="project-name"
        value={name}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
        required
      />
      <button type="submit">Create project</button>
      <ErrorNotice error={error} />
    </form>
  );
}

export function ProjectsPage() {
  const { items, error, state } = useWatchedList<Project>("/projects");
  return (
    <main>
      <div class="page-head">
        <h1>Projects</h1>
        <LiveIndicator state={state} />
      </div>
      <CreateProject />
      <ErrorNotice error={error} />
      {items && items.length === 0 && <EmptyState>No projects yet. Create one above to start sessions in it.</EmptyState>}
      {items && items.length > 0 && (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((project) => (
              <tr key={project.id}>
                <td data-label="Name">
                  <a href={projectPath(project.id)}>{project.name}</a>
                </td>
                <td data-label="Description">{project.description}</td>
                <td data-label="Created">
                  <RelativeTime value={project.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

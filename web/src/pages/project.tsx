// A project: read first (a 404 for whoever may not see it), then its sessions, agents or
// members and settings, one tab each.
import { Project } from "../api/types";
import { useObject } from "../api/use_object";
import { LoadFailed } from "../components/load_failed";
import { ProjectTab, projectPath } from "../router";
import { ProjectAgents } from "./project_agents";
import { ProjectMembers } from "./project_members";
import { ProjectSessions } from "./project_sessions";

const kTabNames: [ProjectTab, string][] = [
  ["sessions", "Sessions"],
  ["agents", "Agents"],
  ["members", "Members and settings"],
];

export function ProjectPage({ projectId, tab }: { projectId: string; tab: ProjectTab }) {
  const { value: project, error, setValue: setProject } = useObject<Project>(`/projects/${encodeURIComponent(projectId)}`);
  if (error) return <LoadFailed title={`Project ${projectId}`} error={error} back="/" backText="Back to the projects you can see" />;
  if (!project) return <main aria-busy="true">Loading project…</main>;
  return (
    <main>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/">Projects</a> / <span>{projectId}</span>
      </nav>
      <div class="page-head">
        <h1>{projectId}</h1>
        {project.description && <span class="muted">{project.description}</span>}
      </div>
      <nav aria-label="Project sections" class="tabs">
        {kTabNames.map(([id, name]) => (
          <a key={id} href={projectPath(projectId, id)} aria-current={id === tab ? "page" : undefined}>
            {name}
          </a>
        ))}
      </nav>
      {tab === "sessions" && <ProjectSessions projectId={projectId} />}
      {tab === "agents" && <ProjectAgents projectId={projectId} />}
      {tab === "members" && <ProjectMembers project={project} onChanged={setProject} />}
    </main>
  );
}

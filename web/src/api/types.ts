// The parts of the API's objects the console shows (docs/api.md has them whole).
export interface ObjectMeta {
  id: string;
  kind: string;
  created_at: string;
  updated_at: string;
}

export interface Project extends ObjectMeta {
  name: string;
  description?: string;
  prompt?: string;
}

export interface Session extends ObjectMeta {
  name: string;
  project_id: string;
  agent_id?: string;
  created_by_user_id?: string;
  phase?: string;
  start_time?: string;
  completion_time?: string;
}

export interface Agent extends ObjectMeta {
  name: string;
  project_id: string;
  display_name?: string;
  description?: string;
  prompt?: string;
  llm_model?: string;
  owner_user_id?: string;
  current_session_id?: string;
}

// The token is write-only: the API never returns it, so it has no field here.
export interface Credential extends ObjectMeta {
  name: string;
  provider: string;
  description?: string;
  url?: string;
  project_id?: string;
}

export interface Role extends ObjectMeta {
  name: string;
  display_name?: string;
  description?: string;
}

export type Scope = "global" | "project" | "agent" | "session" | "credential";

export interface RoleBinding extends ObjectMeta {
  role_id: string;
  scope: Scope;
  user_id?: string;
  project_id?: string;
  agent_id?: string;
  session_id?: string;
  credential_id?: string;
}

export interface AuditEvent extends ObjectMeta {
  actor: string;
  actor_kind: string;
  session_id?: string;
  target_kind?: string;
  target_id?: string;
  action: string;
  outcome: string;
  reason?: string;
}

export interface SessionMessage {
  id: string;
  session_id: string;
  seq: number;
  event_type: string;
  payload: string;
  created_at: string;
}

export interface List<T> {
  kind: string;
  page: number;
  size: number;
  total: number;
  items: T[];
}

export interface WatchChange<T> {
  type: "CREATED" | "UPDATED" | "DELETED" | "RESYNC";
  resource_id?: string;
  object?: T;
}

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
}

export interface Session extends ObjectMeta {
  name: string;
  project_id: string;
  phase?: string;
  start_time?: string;
  completion_time?: string;
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

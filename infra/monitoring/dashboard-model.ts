/**
 * A dashboard's JSON model as the package exports it. Grafana's own types (@grafana/schema, a
 * build-time dependency) check the dashboards in dashboards.ts; the public API names only this, so
 * a consumer's compiler needs nothing beyond the package's dependencies and peers.
 */
export interface DashboardModel {
  readonly uid?: string;
  readonly title?: string;
  readonly panels?: readonly object[];
}

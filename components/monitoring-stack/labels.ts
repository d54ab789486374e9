/** Services carrying this label (and a port named `http` serving /metrics) are scraped by the agentyard ServiceMonitor. */
export const SCRAPE_LABEL = { "agentyard.dev/scrape": "true" } as const;

/** A Kubernetes quantity (`200Gi`, `512Mi`, `1Ti`, `50G`) in GiB. */
export function quantityGiB(quantity: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(String(quantity));
  if (!m) return undefined;
  const unit: Record<string, number> = { Ki: 1 / 1024 ** 2, Mi: 1 / 1024, Gi: 1, Ti: 1024, K: 1e3 / 1024 ** 3, M: 1e6 / 1024 ** 3, G: 1e9 / 1024 ** 3, T: 1e12 / 1024 ** 3 };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1 / 1024 ** 3);
}

const memoryUnits: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Bytes of a Kubernetes memory or storage quantity such as `512Mi`, `4G` or `1048576`. */
export function parseMemoryQuantity(quantity: string): number {
  const match = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  return Number(match[1]) * (memoryUnits[match[2] ?? ''] as number);
}

/** Cores of a Kubernetes CPU quantity such as `500m`, `2` or `1.5`. */
export function parseCpuQuantity(quantity: string): number {
  const match = /^([0-9]+)m$/.exec(quantity);
  if (match) return Number(match[1]) / 1000;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(quantity)) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(quantity);
}

/** Docker units are binary: 4g is 4 GiB, matching the Kubernetes quantity 4Gi. */
export function dockerMemory(quantity: string): string {
  const bytes = parseMemoryQuantity(quantity);
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}g`;
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20}m`;
  if (bytes % 2 ** 10 === 0) return `${bytes / 2 ** 10}k`;
  return String(bytes);
}

export function dockerCpus(quantity: string): string {
  return String(parseCpuQuantity(quantity));
}

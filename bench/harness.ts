/** Timing helpers for benchmarks: warm up, then take the median of several batches. */
export interface Timing {
  /** Median time of one operation, in microseconds. */
  readonly medianUs: number;
  readonly operations: number;
}

export interface BenchResult {
  readonly name: string;
  readonly baselineName: string;
  readonly baseline: Timing;
  readonly subject: Timing;
}

export async function measure(operations: number, operation: () => Promise<void>, batches = 5): Promise<Timing> {
  const perBatch = Math.max(1, Math.floor(operations / batches));
  for (let i = 0; i < Math.min(200, perBatch); i++) await operation();
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await operation();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / perBatch);
  }
  samples.sort((a, c) => a - c);
  return { medianUs: samples[Math.floor(samples.length / 2)] ?? 0, operations: perBatch * batches };
}

export function formatResult(result: BenchResult): string {
  const ratio = result.subject.medianUs / result.baseline.medianUs;
  return [
    `${result.name}: ${result.subject.medianUs.toFixed(1)} µs/op`,
    `  baseline (${result.baselineName}): ${result.baseline.medianUs.toFixed(1)} µs/op`,
    `  ratio: ${ratio.toFixed(2)}x`,
  ].join('\n');
}

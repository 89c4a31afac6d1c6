/**
 * Connection quality of a call from `RTCPeerConnection.getStats()`: the remote audio level (for
 * the speaking indicator), the round-trip time of the selected candidate pair and the inbound
 * packet loss, graded into the three bars the call screen shows. The grading is pure so the unit
 * tests can run it; `summarizeStats` reads a stats report in the page.
 */

export type QualityGrade = 'good' | 'fair' | 'poor' | 'unknown';

export interface CallQuality {
  /** 0..1, RFC 6464 level of the remote audio as the receiver decoded it; null before any audio. */
  readonly audioLevel: number | null;
  /** Seconds; null until ICE has measured one. */
  readonly roundTripTime: number | null;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly grade: QualityGrade;
}

/**
 * ITU-T G.114 puts one-way delay above 150 ms as noticeable and above 400 ms as unacceptable
 * (RTT 0.3 s / 0.8 s); Opus with in-band FEC hides loss of a few per cent, speech breaks up from
 * about 10 % (RFC 6716 §2.1.7 and measured practice in WebRTC's own quality heuristics).
 */
const GOOD = { rtt: 0.3, loss: 0.02 } as const;
const FAIR = { rtt: 0.8, loss: 0.1 } as const;

export function gradeQuality(input: { readonly roundTripTime: number | null; readonly packetsReceived: number; readonly packetsLost: number }): QualityGrade {
  const total = input.packetsReceived + Math.max(0, input.packetsLost);
  if (input.roundTripTime === null && total === 0) return 'unknown';
  const loss = total === 0 ? 0 : Math.max(0, input.packetsLost) / total;
  const rtt = input.roundTripTime ?? 0;
  if (rtt <= GOOD.rtt && loss <= GOOD.loss) return 'good';
  if (rtt <= FAIR.rtt && loss <= FAIR.loss) return 'fair';
  return 'poor';
}

function numberField(stat: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = stat[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** One pass over a stats report (a Map of plain records); fields a browser lacks count as absent. */
export function summarizeStats(report: ReadonlyMap<string, Readonly<Record<string, unknown>>>): CallQuality {
  let audioLevel: number | null = null;
  let roundTripTime: number | null = null;
  let packetsReceived = 0;
  let packetsLost = 0;
  for (const stat of report.values()) {
    if (stat.type === 'inbound-rtp') {
      packetsReceived += numberField(stat, 'packetsReceived') ?? 0;
      packetsLost += numberField(stat, 'packetsLost') ?? 0;
      if (stat.kind === 'audio') audioLevel = numberField(stat, 'audioLevel') ?? audioLevel;
    } else if (stat.type === 'candidate-pair' && stat.nominated === true && stat.state === 'succeeded') {
      roundTripTime = numberField(stat, 'currentRoundTripTime') ?? roundTripTime;
    }
  }
  return { audioLevel, roundTripTime, packetsReceived, packetsLost, grade: gradeQuality({ roundTripTime, packetsReceived, packetsLost }) };
}

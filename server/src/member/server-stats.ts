// Server-wide request counters for srvr/stat/mntr (reset by srst).
import type { ServerStats } from '../admin/view.js';

export class ServerStatsCounter implements ServerStats {
  packetsReceived = 0;
  packetsSent = 0;
  minLatency = 0;
  maxLatency = 0;
  private latencyTotal = 0;
  private latencyCount = 0;

  get avgLatency(): number {
    return this.latencyCount === 0 ? 0 : this.latencyTotal / this.latencyCount;
  }

  get outstandingRequests(): number {
    return Math.max(0, this.packetsReceived - this.packetsSent);
  }

  received(): void {
    this.packetsReceived++;
  }

  sent(): void {
    this.packetsSent++;
  }

  latency(ms: number): void {
    this.minLatency = this.latencyCount === 0 ? ms : Math.min(this.minLatency, ms);
    this.maxLatency = Math.max(this.maxLatency, ms);
    this.latencyTotal += ms;
    this.latencyCount++;
  }

  reset(): void {
    this.packetsReceived = this.packetsSent = 0;
    this.minLatency = this.maxLatency = this.latencyTotal = this.latencyCount = 0;
  }
}

// Corral's admin surface: ZooKeeper's four-letter words, AdminServer and Prometheus metrics over a MemberView.
export { argumentBytes, fourLetterWordResponse, runFourLetterWord } from './four-letter.js';
export { startAdminServer, type AdminServer, type EndpointAnswer } from './admin-server.js';
export {
  CommandRefusal,
  CommandRegistry,
  commandResponse,
  zooKeeperCommands,
  type CommandArgs,
  type CommandData,
  type CommandHandler,
  type CommandOptions,
  type CommandRequest,
  type CommandResult,
} from './commands.js';
export { metricsRegistry, startMetricsServer } from './metrics.js';
export type { RunningServer } from './http-listen.js';
export type { JsonValue } from './json.js';

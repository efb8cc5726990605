// The one error configuration code throws: the CLI prints its message and exits non-zero, so every message
// names the offending key (or file) and the bad value.

export class ConfigError extends Error {
  /** The zoo.cfg key (or pseudo-key such as `myid`) the problem is about, when there is one. */
  readonly key: string | undefined;

  constructor(message: string, key?: string) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** Something the operator should see but that does not stop the member (unknown or Java-only keys, clamped values). */
export interface ConfigWarning {
  key: string;
  message: string;
}

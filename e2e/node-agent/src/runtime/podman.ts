import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runProgram, type ProgramResult } from '../../../../test-support/processes.js';

/** The result of one podman command. */
export type CommandResult = ProgramResult;

/** A container as `podman ps --format json` lists it. */
export interface ListedContainer {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  State: string; // created | running | exited | stopped | paused | ...
  ExitCode: number;
  StartedAt: number; // unix seconds, 0 when never started
  ExitedAt: number;
  Labels: Record<string, string> | null;
}

export interface ContainerInspection {
  Id: string;
  State: { Status: string; ExitCode: number; OOMKilled: boolean; StartedAt: string; FinishedAt: string; Error: string };
}

export interface ImageInfo {
  id: string;
  /** `name@sha256:…` when the image has a digest, else `sha256:<id>`: what the kubelet reports as imageID. */
  imageID: string;
}

/** What a container needs from podman create (everything already resolved by the caller). */
export interface CreateSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  env: Map<string, string>;
  entrypoint?: string[];
  args?: string[];
  workingDir?: string;
  hostname: string;
  mounts: { source: string; target: string; readOnly: boolean }[];
  memoryBytes?: number;
  cpus?: number;
  user?: string;
  groups?: number[];
}

/** An event from `podman events`: enough to tell which pod's container changed. */
export interface RuntimeEvent {
  id: string;
  status: string;
  labels: Record<string, string>;
  exitCode?: number;
}

/**
 * podman, driven through its CLI with the flags this machine needs: runc (crun fails on these cgroups),
 * host networking (pods are told apart by loopback address), and explicit rlimits (runc cannot raise the
 * defaults here).
 */
export class Podman {
  constructor(private readonly runtime = '/usr/sbin/runc') {}

  run(args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    return runProgram('podman', ['--runtime', this.runtime, ...args], { timeoutMs });
  }

  /** Like run, but a failure is an error carrying podman's own message. */
  async check(args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(args, timeoutMs);
    if (result.code !== 0) {
      const why = result.timedOut ? `timed out after ${timeoutMs} ms` : result.stderr.trim() || `exit code ${result.code}`;
      throw new Error(`podman ${args[0]}: ${why.replace(/^Error: /, '')}`);
    }
    return result.stdout;
  }

  async image(ref: string): Promise<ImageInfo | undefined> {
    const result = await this.run(['image', 'inspect', '--format', '{{.Id}} {{json .RepoDigests}}', ref]);
    if (result.code !== 0) return undefined;
    const [id, digestsJson] = result.stdout.trim().split(' ', 2) as [string, string];
    const digests = (JSON.parse(digestsJson ?? 'null') as string[] | null) ?? [];
    return { id, imageID: digests[0] ?? `sha256:${id}` };
  }

  async create(spec: CreateSpec): Promise<string> {
    const args = [
      'create',
      '--pull', 'never',
      '--name', spec.name,
      '--network', 'host',
      '--ulimit', 'nofile=20000:20000',
      '--ulimit', 'nproc=4096:4096',
      '--hostname', spec.hostname,
      // The hosts file and resolv.conf are the pod's own (mounted below); podman must not make its own.
      '--no-hosts',
      '--dns', 'none',
    ];
    for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`);
    for (const [k, v] of spec.env) args.push('--env', `${k}=${v}`);
    for (const m of spec.mounts) args.push('--volume', `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`);
    if (spec.memoryBytes !== undefined) args.push('--memory', String(spec.memoryBytes), '--memory-swap', String(spec.memoryBytes));
    if (spec.cpus !== undefined) args.push('--cpus', String(spec.cpus));
    if (spec.user !== undefined) args.push('--user', spec.user);
    for (const g of spec.groups ?? []) args.push('--group-add', String(g));
    if (spec.workingDir) args.push('--workdir', spec.workingDir);
    // Kubernetes' command replaces the image's ENTRYPOINT (and drops its CMD); args replace CMD.
    if (spec.entrypoint) args.push('--entrypoint', JSON.stringify(spec.entrypoint));
    args.push(spec.image, ...(spec.args ?? []));
    return (await this.check(args)).trim();
  }

  async start(id: string): Promise<void> {
    await this.check(['start', id]);
  }

  /** The stop signal, then SIGKILL after graceSeconds; resolves when the container has stopped. */
  async stop(id: string, graceSeconds: number): Promise<void> {
    await this.check(['stop', '--ignore', '--time', String(Math.max(0, Math.floor(graceSeconds))), id], (graceSeconds + 30) * 1000);
  }

  /** SIGKILL, no grace: what a container gets when its machine dies. */
  async kill(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.run(['kill', '--signal', 'KILL', ...ids]);
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.check(['rm', '--force', '--ignore', '--time', '0', ...ids]);
  }

  async list(labelFilter: string): Promise<ListedContainer[]> {
    const out = await this.check(['ps', '--all', '--format', 'json', '--filter', `label=${labelFilter}`]);
    return (JSON.parse(out || '[]') as ListedContainer[] | null) ?? [];
  }

  async inspect(id: string): Promise<ContainerInspection | undefined> {
    const result = await this.run(['container', 'inspect', '--format', 'json', id]);
    if (result.code !== 0) return undefined;
    return (JSON.parse(result.stdout) as ContainerInspection[])[0];
  }

  exec(id: string, command: string[], timeoutMs: number): Promise<CommandResult> {
    return this.run(['exec', id, ...command], timeoutMs);
  }

  /**
   * Follows `podman events` for containers carrying `labelFilter`, restarting the stream if it ends. Returns a
   * function that stops it.
   */
  follow(labelFilter: string, onEvent: (event: RuntimeEvent) => void, onGap: () => void): () => void {
    let stopped = false;
    let child: ReturnType<typeof spawn> | undefined;
    const open = () => {
      if (stopped) return;
      child = spawn('podman', ['events', '--format', 'json', '--filter', 'type=container', '--filter', `label=${labelFilter}`], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      createInterface(child.stdout!).on('line', (line) => {
        try {
          const raw = JSON.parse(line) as { ID: string; Status: string; Attributes?: Record<string, string>; ContainerExitCode?: number };
          onEvent({ id: raw.ID, status: raw.Status, labels: raw.Attributes ?? {}, exitCode: raw.ContainerExitCode });
        } catch {
          // not an event line
        }
      });
      child.once('close', () => {
        if (stopped) return;
        onGap(); // events may have been missed while the stream was down
        setTimeout(open, 1_000);
      });
    };
    open();
    return () => {
      stopped = true;
      child?.kill();
    };
  }
}

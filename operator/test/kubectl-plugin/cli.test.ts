// Argument handling of `kubectl corral`: what each command line becomes, and the exit code and message of the
// ones that are wrong (2, as the corral CLI answers usage errors).
import { describe, expect, it } from 'vitest';
import { parseInvocation, parseTarget, runPlugin, type Parsed } from '../../src/kubectl-plugin/cli.js';
import { kubectlMessage } from '../../src/kubectl-plugin/kubectl.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

async function parse(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Parsed> {
  const { io, err } = capture();
  const parsed = await parseInvocation(argv, io, env);
  if (typeof parsed === 'number') throw new Error(`exit ${parsed}: ${err.join('\n')}`);
  return parsed;
}

/** Runs the plugin where it cannot reach anything (kubectl is /bin/false); usage errors never get that far. */
async function exitOf(argv: string[]) {
  const { io, out, err } = capture();
  const code = await runPlugin(argv, io, { KUBECTL: '/bin/false' });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kubectl corral: argument handling', () => {
  it('parses each command', async () => {
    expect((await parse(['status', 'orders'])).invocation).toEqual({ command: 'status', cluster: 'orders', live: true });
    expect((await parse(['status', 'orders', '--no-live'])).invocation).toEqual({ command: 'status', cluster: 'orders', live: false });
    expect((await parse(['restart', 'orders'])).invocation).toEqual({ command: 'restart', cluster: 'orders' });
    expect((await parse(['recover-quorum', 'orders'])).invocation).toEqual({ command: 'recover-quorum', cluster: 'orders' });
    expect((await parse(['quota', 'orders'])).invocation).toEqual({ command: 'quota', cluster: 'orders' });
    expect((await parse(['transfer-leadership', 'orders'])).invocation).toEqual({ command: 'transfer-leadership', cluster: 'orders', to: 'any' });
    expect((await parse(['transfer-leadership', 'orders', '--to', 'orders-2'])).invocation).toMatchObject({ to: { pod: 'orders-2' } });
    expect((await parse(['transfer-leadership', 'orders', '--to', '3'])).invocation).toMatchObject({ to: { serverId: 3 } });
    expect((await parse(['connect', 'orders'])).invocation).toEqual({ command: 'connect', cluster: 'orders', shell: false, args: [] });
    expect((await parse(['connect', 'orders', '--shell'])).invocation).toEqual({ command: 'connect', cluster: 'orders', shell: true, args: [] });
    // After --, the words are corral's, options included.
    expect((await parse(['connect', 'orders', '--', 'ls', '-s', '/'])).invocation).toEqual({ command: 'connect', cluster: 'orders', shell: false, args: ['ls', '-s', '/'] });
  });

  it('takes kubectl-style global flags before or after the command', async () => {
    const before = await parse(['-n', 'apps', '--context', 'prod', '--kubeconfig', '/k', 'status', 'orders']);
    const after = await parse(['status', 'orders', '-n', 'apps', '--context', 'prod', '--kubeconfig', '/k']);
    for (const p of [before, after]) expect(p.globals).toEqual({ namespace: 'apps', context: 'prod', kubeconfig: '/k', via: 'exec', kubectl: 'kubectl' });
    expect((await parse(['--namespace=apps', 'quota', 'orders'])).globals.namespace).toBe('apps');
  });

  it('reaches members by kubectl exec unless told otherwise (flag or KUBECTL_CORRAL_VIA); KUBECTL picks kubectl', async () => {
    expect((await parse(['status', 'orders'])).globals.via).toBe('exec');
    expect((await parse(['status', 'orders', '--via', 'pod-ip'])).globals.via).toBe('pod-ip');
    expect((await parse(['status', 'orders'], { KUBECTL_CORRAL_VIA: 'pod-ip' })).globals.via).toBe('pod-ip');
    expect((await parse(['status', 'orders', '--via', 'exec'], { KUBECTL_CORRAL_VIA: 'pod-ip' })).globals.via).toBe('exec');
    expect((await parse(['status', 'orders'], { KUBECTL: '/opt/k/kubectl' })).globals.kubectl).toBe('/opt/k/kubectl');
  });

  it('parses --to targets', () => {
    expect(parseTarget('any')).toBe('any');
    expect(parseTarget('255')).toEqual({ serverId: 255 });
    expect(parseTarget('orders-4')).toEqual({ pod: 'orders-4' });
    expect(() => parseTarget('0')).toThrow(/a server id is 1 to 255, not 0/);
    expect(() => parseTarget('256')).toThrow(/1 to 255/);
    expect(() => parseTarget('Orders_4')).toThrow(/expected a member \(pod name or server id\) or "any", not Orders_4/);
  });

  it.each([
    [[], /a command is required/],
    [['bogus', 'orders'], /unknown command: bogus/],
    [['status'], /missing required argument 'cluster'/],
    [['recover-quorum'], /missing required argument 'cluster'/],
    [['status', 'Orders'], /not a CoordinationCluster name: Orders/],
    [['status', 'a', 'b'], /too many arguments/],
    [['status', 'orders', '--via', 'ssh'], /argument 'ssh' is invalid. Allowed choices are exec, pod-ip/],
    [['status', 'orders', '--verbose'], /unknown option '--verbose'/],
    [['transfer-leadership', 'orders', '--to', '0'], /a server id is 1 to 255/],
    [['transfer-leadership', 'orders', '--to'], /argument missing/],
    [['connect', 'orders', '--shell', 'ls', '/'], /give either --shell or a command/],
  ])('usage error, exit 2: %j', async (argv, message) => {
    const { code, err } = await exitOf(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('help exits 0 and lists the commands', async () => {
    const { code, out } = await exitOf(['--help']);
    expect(code).toBe(0);
    for (const c of ['status', 'restart', 'recover-quorum', 'transfer-leadership', 'quota', 'connect']) expect(out).toContain(c);
  });

  it('a failing kubectl is an error, exit 1, with its message', async () => {
    const { code, err } = await exitOf(['status', 'orders']);
    expect(code).toBe(1);
    expect(err).toMatch(/^Error: kubectl get coordinationclusters.corral.dev orders -o json exited with 1$/);
  });

  it("kubectl's errors lose kubectl's own prefix (the plugin adds Error:)", () => {
    expect(kubectlMessage('Error from server (NotFound): coordinationclusters.corral.dev "x" not found\n')).toBe('coordinationclusters.corral.dev "x" not found');
    expect(kubectlMessage('error: You must be logged in to the server (Unauthorized)\n')).toBe('You must be logged in to the server (Unauthorized)');
  });
});

// `envi` / `environment`: ZooKeeper's Environment.list() keys, with the Node.js runtime where ZooKeeper names
// the JVM (node.* in place of java.*), so scripts reading zookeeper.version, host.name or os.* keep working.
import { arch, hostname, release, type, userInfo } from 'node:os';
import { getHeapStatistics } from 'node:v8';

const MB = 1024 * 1024;

/** Java's os.arch spelling for Node's process.arch where they differ. */
const JAVA_ARCH: Record<string, string> = { x64: 'amd64', ia32: 'x86' };

export function environment(version: string): Array<[string, string]> {
  const user = safeUserInfo();
  const heap = process.memoryUsage();
  return [
    ['zookeeper.version', version],
    ['host.name', hostname()],
    ['node.version', process.version],
    ['node.path', process.execPath],
    ['os.name', type()],
    ['os.arch', JAVA_ARCH[arch()] ?? arch()],
    ['os.version', release()],
    ['user.name', user?.username ?? '<NA>'],
    ['user.home', user?.homedir ?? '<NA>'],
    ['user.dir', process.cwd()],
    // As the JVM's Runtime free/max/total memory: the heap, in whole megabytes.
    ['os.memory.free', `${Math.floor((heap.heapTotal - heap.heapUsed) / MB)}MB`],
    ['os.memory.max', `${Math.floor(getHeapStatistics().heap_size_limit / MB)}MB`],
    ['os.memory.total', `${Math.floor(heap.heapTotal / MB)}MB`],
  ];
}

function safeUserInfo(): { username: string; homedir: string } | undefined {
  try {
    return userInfo();
  } catch {
    return undefined; // no passwd entry for this uid (common in containers)
  }
}

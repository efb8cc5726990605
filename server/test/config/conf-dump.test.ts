import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confEntries, formatConf } from '../../src/config/conf-dump.js';
import { parseConfig } from '../../src/config/member-config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-conf-'));
  mkdirSync(join(dir, 'data'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sizes = { dataDirSize: 67109337, dataLogSize: 1266 };

describe('formatConf', () => {
  it('prints a standalone server\'s conf in ZooKeeper\'s order', () => {
    const { config } = parseConfig(`dataDir=${dir}/data\nclientPort=2181\ntickTime=2000`);
    expect(formatConf(config, sizes)).toBe(
      [
        'clientPort=2181',
        'secureClientPort=-1',
        `dataDir=${dir}/data/version-2`,
        'dataDirSize=67109337',
        `dataLogDir=${dir}/data/version-2`,
        'dataLogSize=1266',
        'tickTime=2000',
        'maxClientCnxns=60',
        'minSessionTimeout=4000',
        'maxSessionTimeout=40000',
        'clientPortListenBacklog=-1',
        'serverId=0',
        '',
      ].join('\n'),
    );
  });

  it('adds the quorum fields and the membership for an ensemble member', () => {
    writeFileSync(join(dir, 'data', 'myid'), '3');
    const { config } = parseConfig(
      [
        `dataDir=${dir}/data`, `dataLogDir=${dir}/log`, 'tickTime=2000', 'initLimit=10', 'syncLimit=5',
        'server.1=10.0.0.1:2888:3888;2181', 'server.2=10.0.0.2:2888:3888;2181', 'server.3=10.0.0.3:2889:3889:observer;2181',
        'server.4=10.0.0.4:2888:3888:neverleader;2181', 'version=100000000',
      ].join('\n'),
    );
    expect(confEntries(config, sizes).slice(11)).toEqual([
      ['serverId', 3], ['initLimit', 10], ['syncLimit', 5], ['electionAlg', 3], ['electionPort', 3889], ['quorumPort', 2889], ['peerType', 1],
    ]);
    const text = formatConf(config, sizes);
    expect(text).toContain(`dataLogDir=${dir}/log/version-2\n`);
    expect(text.slice(text.indexOf('peerType='))).toBe(
      'peerType=1\nmembership: \n' +
        'server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\n' +
        'server.2=10.0.0.2:2888:3888:participant;0.0.0.0:2181\n' +
        'server.3=10.0.0.3:2889:3889:observer;0.0.0.0:2181\n' +
        'server.4=10.0.0.4:2888:3888:neverleader;0.0.0.0:2181\n' +
        'version=100000000',
    );
  });
});

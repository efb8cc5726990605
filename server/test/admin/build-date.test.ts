// The ", built on <date>" after the version: ZooKeeper 3.5's date format, which parsers written for its srvr line
// require (the built server reporting its own recorded build time is checked in four-letter-words.compat.test.ts).
import { describe, expect, it } from 'vitest';
import { formatBuildDate } from '../../src/admin/build-date.js';
import { runFourLetterWord } from '../../src/admin/four-letter.js';
import { ZK_35_VERSION_LINE } from '../../../test-support/four-letter-words.js';
import { fakeView } from './fake-view.js';

describe('build date', () => {
  it('is printed as MM/dd/yyyy HH:mm GMT, in UTC', () => {
    expect(formatBuildDate(new Date(Date.UTC(2024, 0, 5, 7, 3, 59)))).toBe('01/05/2024 07:03 GMT');
    expect(formatBuildDate(new Date(Date.UTC(2025, 11, 31, 23, 59)))).toBe('12/31/2025 23:59 GMT');
  });

  it('follows the version on the first line of srvr and stat, as the 3.5-era pattern expects', () => {
    for (const word of ['srvr', 'stat']) {
      const first = runFourLetterWord(word, fakeView()).split('\n')[0]!;
      const m = ZK_35_VERSION_LINE.exec(first);
      expect(m, `${word}: ${first}`).not.toBeNull();
      expect(m![1]).toBe(fakeView().version);
    }
  });
});

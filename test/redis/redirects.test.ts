// test tier: unit
// The one redirect rule's classifier: which answers are sent again (never run by Redis), which are the caller's.
import { describe, expect, it } from 'vitest';
import { redirectOf } from '../../src/redis/redirects.js';

class ReplyError extends Error {
  override readonly name = 'ReplyError';
}

describe('redirectOf', () => {
  it('follows MOVED and ASK to where the slot lives, and waits out TRYAGAIN and CLUSTERDOWN', () => {
    expect(redirectOf(new ReplyError('MOVED 3999 127.0.0.1:30001'))).toEqual({ kind: 'moved' });
    expect(redirectOf(new ReplyError('ASK 3999 127.0.0.1:30002'))).toEqual({ kind: 'ask', address: '127.0.0.1:30002' });
    expect(redirectOf(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'))).toEqual({
      kind: 'wait',
    });
    expect(redirectOf(new ReplyError('CLUSTERDOWN The cluster is down'))).toEqual({ kind: 'wait' });
  });

  it('follows READONLY like MOVED: a master just demoted took the command, and refused its first write', () => {
    expect(redirectOf(new ReplyError("READONLY You can't write against a read only replica."))).toEqual({
      kind: 'moved',
    });
    const fromScript = "READONLY You can't write against a read only replica. script: 26999b9c, on @user_script:25.";
    expect(redirectOf(new ReplyError(fromScript))).toEqual({ kind: 'moved' });
  });

  it('sees the last redirect through ioredis giving up, and an auto-pipeline refused because the slot map moved', () => {
    const gaveUp = new Error('Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down');
    expect(redirectOf(gaveUp)).toEqual({ kind: 'wait' });
    expect(redirectOf(new Error('Too many Cluster redirections. Last error: MOVED 1 127.0.0.1:30003'))).toEqual({
      kind: 'moved',
    });
    expect(redirectOf(new Error('All keys in the pipeline should belong to the same slots allocation group'))).toEqual({
      kind: 'wait',
    });
  });

  it("follows a script refused because its slot is served elsewhere (MOVED's twin for keys in ARGV), waits out a down cluster", () => {
    const elsewhere =
      'ERR Script attempted to access a non local key in a cluster node script: 9eca4078, on @user_script:1.';
    expect(redirectOf(new ReplyError(elsewhere))).toEqual({ kind: 'moved' });
    const down =
      'ERR Script attempted to execute a command while the cluster is down script: 9eca4078, on @user_script:3.';
    expect(redirectOf(new ReplyError(down))).toEqual({ kind: 'wait' });
    expect(redirectOf(new ReplyError(down.replace('a command', 'a write command')))).toEqual({ kind: 'wait' });
  });

  it('leaves everything else to the caller: a lost connection may have run the command', () => {
    for (const error of [
      new Error('Connection is closed.'),
      new ReplyError('ERR wrong number of arguments'),
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      new ReplyError('NOSCRIPT No matching script'),
      'MOVED 1 127.0.0.1:1',
      undefined,
    ]) {
      expect(redirectOf(error)).toBeUndefined();
    }
  });
});

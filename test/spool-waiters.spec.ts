import { Waiters } from '../lib/message/waiters.js';

describe('Waiters (how spool readers and writers wait)', () => {
  it('calls each listener once, in order; one added while waking waits for the next time', () => {
    const waiters = new Waiters();
    const calls: string[] = [];
    waiters.add(() => {
      calls.push('a');
      waiters.add(() => calls.push('late'));
    });
    waiters.add(() => calls.push('b'));
    waiters.wake();
    expect(calls).toEqual(['a', 'b']);
    waiters.wake();
    expect(calls).toEqual(['a', 'b', 'late']);
    waiters.wake();
    expect(calls).toEqual(['a', 'b', 'late']);
  });

  it('a listener that throws stops the wake, and those after it keep waiting, before newer ones', () => {
    const waiters = new Waiters();
    const calls: string[] = [];
    waiters.add(() => {
      calls.push('thrower');
      waiters.add(() => calls.push('added by the thrower'));
      throw new Error('boom');
    });
    waiters.add(() => calls.push('after'));
    expect(() => waiters.wake()).toThrow('boom');
    expect(calls).toEqual(['thrower']);
    waiters.wake();
    expect(calls).toEqual(['thrower', 'after', 'added by the thrower']);
  });

  it('a removed listener is not called; the same listener added twice is removed once', () => {
    const waiters = new Waiters();
    let count = 0;
    const listener = () => count++;
    waiters.add(listener);
    waiters.add(listener);
    waiters.remove(listener);
    waiters.wake();
    expect(count).toBe(1);
  });
});

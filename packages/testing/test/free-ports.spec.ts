import { freePorts } from '../src';

describe('freePorts', () => {
  it('answers as many ports as asked, all distinct, none zero', async () => {
    const ports = await freePorts(20);
    expect(ports).toHaveLength(20);
    expect(new Set(ports).size).toBe(20);
    expect(ports.every((port) => port > 0)).toBe(true);
  });
});

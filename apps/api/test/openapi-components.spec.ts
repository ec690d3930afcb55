import { z } from 'zod';
import { SchemaComponents } from '../src/http/openapi/components';

describe('SchemaComponents: zod schemas placed in components.schemas', () => {
  const money = z.object({ amount: z.string(), currency: z.string() }).meta({ id: 'TestMoney' });

  it('moves named parts to components and points every reference there', () => {
    const components = new SchemaComponents();
    const inline = components.use(z.object({ price: money, fees: z.array(money) }), 'output');
    expect(inline).toMatchObject({
      properties: {
        price: { $ref: '#/components/schemas/TestMoney' },
        fees: { items: { $ref: '#/components/schemas/TestMoney' } },
      },
    });
    expect(components.use(money, 'output')).toEqual({ $ref: '#/components/schemas/TestMoney' });
    expect(Object.keys(components.all())).toEqual(['TestMoney']);
    expect(JSON.stringify(components.all())).not.toContain('$defs');
  });

  it('keeps a part defined identically by two schemas once', () => {
    const components = new SchemaComponents();
    components.use(z.object({ a: money }), 'output');
    components.use(z.object({ b: money }), 'output');
    expect(Object.keys(components.all())).toEqual(['TestMoney']);
  });

  it('names an unnamed schema when asked, and refers to it', () => {
    const components = new SchemaComponents();
    expect(components.use(z.object({ id: z.string() }), 'input', 'TestRequest')).toEqual({
      $ref: '#/components/schemas/TestRequest',
    });
    expect(components.all().TestRequest).toMatchObject({ properties: { id: { type: 'string' } } });
  });

  it('fails loudly when one name is given to two different schemas', () => {
    const components = new SchemaComponents();
    components.use(money, 'output');
    const other = z.object({ amount: z.number() }).meta({ id: 'TestMoney' });
    expect(() => components.use(other, 'output')).toThrow('two different schemas are named "TestMoney"');
  });

  it('fails loudly on a part zod could only name itself (a recursive schema without an id)', () => {
    const node: z.ZodType = z.lazy(() => z.object({ children: z.array(node) }));
    expect(() => new SchemaComponents().use(z.object({ root: node }), 'output')).toThrow(/name/);
  });
});

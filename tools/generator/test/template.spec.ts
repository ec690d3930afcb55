import { renderTemplate, TemplateError } from '../src/template';

describe('renderTemplate', () => {
  it('fills values, including nested ones', () => {
    expect(renderTemplate('{{name}} calls {{callee.name}}', { name: 'a', callee: { name: 'b' } })).toBe(
      'a calls b',
    );
  });

  it('repeats an each block per item, leaving no line behind for tag-only lines', () => {
    const template = 'x\n  {{#each items as item}}\n  - {{item.id}}\n  {{/each}}\ny\n';
    expect(renderTemplate(template, { items: [{ id: '1' }, { id: '2' }] })).toBe('x\n  - 1\n  - 2\ny\n');
    expect(renderTemplate(template, { items: [] })).toBe('x\ny\n');
  });

  it('takes the if branch for a non-empty list and the else branch for an empty one', () => {
    const template = '{{#if items}}some{{else}}none{{/if}}';
    expect(renderTemplate(template, { items: ['a'] })).toBe('some');
    expect(renderTemplate(template, { items: [] })).toBe('none');
  });

  it.each([
    ['{{missing}}', 'no value for {{missing}}'],
    ['{{#each items as item}}', '{{#each}} is never closed'],
    ['{{/if}}', 'closes nothing open'],
    ['{{else}}', '{{else}} outside {{#if}}'],
    ['{{#unless x}}{{/unless}}', 'unknown block'],
    ['{{nested}}', 'is not a scalar'],
  ])('refuses %s, naming the template (%s)', (template, message) => {
    const render = () => renderTemplate(template, { nested: { a: '1' } }, 'file.tmpl');
    expect(render).toThrow(TemplateError);
    expect(render).toThrow(message);
    expect(render).toThrow('file.tmpl');
  });
});

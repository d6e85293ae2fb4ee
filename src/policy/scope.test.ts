import { describe, expect, it } from 'vitest'
import { type Binding, Scope } from './scope.js'

const local = (certainFrom?: number): Binding => ({
  kind: 'assignment',
  modulePath: undefined,
  certainFrom,
})
const moduleBinding = (path: string[], certainFrom?: number): Binding => ({
  kind: 'import',
  modulePath: path,
  certainFrom,
})
const kinds = (scope: Scope, name: string, at = 100) => scope.resolve(name, at).map((m) => m.kind)

describe('Scope.resolve', () => {
  it('falls back to the builtin when nothing binds a name', () => {
    expect(kinds(new Scope('module'), 'eval')).toEqual(['unbound'])
  })

  it('treats any binding in a function as local for the whole function, as Python does', () => {
    const module = new Scope('module')
    const fn = new Scope('function', module)
    fn.bind('eval', local())
    expect(kinds(fn, 'eval', 0)).toEqual(['local'])
  })

  it('keeps the builtin possible at module level until a binding certainly ran', () => {
    const module = new Scope('module')
    module.bind('eval', local(50))
    expect(kinds(module, 'eval', 10)).toEqual(['local', 'unbound'])
    expect(kinds(module, 'eval', 60)).toEqual(['local'])
  })

  it('never trusts a binding once the name is deleted or a star import could rebind it', () => {
    const deleted = new Scope('module')
    deleted.bind('eval', local(0))
    deleted.bind('eval', { kind: 'delete', modulePath: undefined, certainFrom: undefined })
    expect(kinds(deleted, 'eval')).toEqual(['local', 'unbound'])
    const starred = new Scope('module')
    starred.bind('eval', local(0))
    starred.markStarImport()
    expect(kinds(starred, 'eval')).toEqual(['local', 'unbound'])
  })

  it('hides class attributes from the methods of the class', () => {
    const module = new Scope('module')
    module.bind('os', moduleBinding(['os'], 0))
    const cls = new Scope('class', module)
    cls.bind('os', local(5))
    const method = new Scope('function', cls)
    expect(method.resolve('os', 50)).toEqual([
      { kind: 'module', path: ['os'], binding: expect.anything(), via: [] },
    ])
  })

  it('resolves an alias to what its source meant where it was read, attributes and all', () => {
    const module = new Scope('module')
    module.bind('np', moduleBinding(['numpy'], 0))
    module.bind('m', {
      kind: 'assignment',
      modulePath: undefined,
      certainFrom: 30,
      alias: { name: 'np', attributes: ['lib'], scope: module, at: 25 },
    })
    expect(module.resolve('m', 40)).toEqual([
      { kind: 'module', path: ['numpy', 'lib'], binding: expect.anything(), via: [25] },
    ])
  })

  it('keeps a parameter with a default possibly anything, and the default', () => {
    const module = new Scope('module')
    const f = new Scope('function', module)
    f.bind('e', {
      kind: 'parameter',
      modulePath: undefined,
      certainFrom: undefined,
      alias: { name: 'eval', attributes: [], scope: module, at: 8 },
    })
    expect(f.resolve('e', 20)).toEqual([
      { kind: 'local' },
      { kind: 'unbound', name: 'eval', attributes: [], via: [8] },
    ])
  })

  it('stops expanding aliases that refer to each other', () => {
    const module = new Scope('module')
    const alias = (name: string) => ({
      kind: 'assignment' as const,
      modulePath: undefined,
      certainFrom: undefined,
      alias: { name, attributes: ['x'], scope: module, at: 0 },
    })
    module.bind('a', alias('b'))
    module.bind('b', alias('a'))
    expect(module.resolve('a', 10).length).toBeLessThan(100)
  })

  it('sends `global` names to the module and `nonlocal` names to the enclosing function', () => {
    const module = new Scope('module')
    const outer = new Scope('function', module)
    const inner = new Scope('function', outer)
    inner.declareGlobal('g')
    inner.bind('g', moduleBinding(['os']))
    inner.declareNonlocal('n')
    inner.bind('n', local())
    expect(kinds(module, 'g')).toEqual(['module', 'unbound'])
    expect(kinds(outer, 'n')).toEqual(['local'])
    expect(kinds(inner, 'g')).toEqual(['module', 'unbound'])
  })

  it('hands walrus targets in a comprehension to the scope around it', () => {
    const module = new Scope('module')
    const comprehension = new Scope('comprehension', new Scope('comprehension', module))
    expect(comprehension.walrusTarget()).toBe(module)
  })
})

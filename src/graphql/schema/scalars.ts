import { Kind, valueFromASTUntyped, type ValueNode } from 'graphql';
import { CakupanError, ErrorCode } from '../../domain/errors.ts';
import { isIsoDate } from '../../domain/reference/calendar.ts';
import { builder } from '../builder.ts';

const invalid = (scalar: string, reason: string) => new CakupanError(ErrorCode.VALIDATION, `${scalar} ${reason}`, [{ field: scalar, reason }]);
// A literal is parsed as the same value sent as a variable. (Spelled out with
// one parameter: graphql-jit warns on every compile about a parseLiteral that
// takes variables, which graphql's default one does.)
const literal =
  <T>(parse: (v: unknown) => T) =>
  (ast: ValueNode): T =>
    parse(valueFromASTUntyped(ast));

const parseDate = (v: unknown): string => {
  if (typeof v !== 'string' || !isIsoDate(v)) throw invalid('Date', `must be a real calendar date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
};
const parseDateTime = (v: unknown): Date => {
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw invalid('DateTime', `must be ISO-8601 with a time, got ${JSON.stringify(v)}`);
  return d;
};

builder.scalarType('Date', {
  description: 'A calendar date, YYYY-MM-DD (Asia/Jakarta calendar).',
  serialize: (v) => String(v),
  parseValue: parseDate,
  parseLiteral: literal(parseDate),
});

builder.scalarType('DateTime', {
  description: 'An instant, ISO-8601 with offset (e.g. 2024-01-31T17:00:00+07:00).',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: literal(parseDateTime),
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: function parse(ast): unknown {
    switch (ast.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return ast.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(ast.value);
      case Kind.OBJECT:
        return Object.fromEntries(ast.fields.map((f) => [f.name.value, parse(f.value)]));
      case Kind.LIST:
        return ast.values.map(parse);
      default:
        return null;
    }
  },
});

import { GraphQLError, Kind, valueFromASTUntyped, type ValueNode } from 'graphql';
import { ErrorCode } from '../../domain/errors.ts';
import { DATE_RULE, isIsoDate, SUPPORTED_DATES } from '../../domain/reference/calendar.ts';
import { builder } from '../builder.ts';

// A GraphQLError, so that graphql-js keeps the reason in a variable's coercion error ("Variable "$from" got invalid value …; Date must …").
const invalid = (scalar: string, reason: string) => new GraphQLError(`${scalar} ${reason}`, { extensions: { code: ErrorCode.VALIDATION, issues: [{ field: scalar, reason }] } });
// A literal is parsed as the same value sent as a variable. (Spelled out with
// one parameter: graphql-jit warns on every compile about a parseLiteral that
// takes variables, which graphql's default one does.)
const literal =
  <T>(parse: (v: unknown) => T) =>
  (ast: ValueNode): T =>
    parse(valueFromASTUntyped(ast));

/** The rejected value, bounded (an error never echoes a huge input back). */
const shown = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}… (${s.length} characters)` : s;
};

const parseDate = (v: unknown): string => {
  if (typeof v !== 'string' || !isIsoDate(v)) throw invalid('Date', `${DATE_RULE}, got ${shown(v)}`);
  return v;
};
const parseDateTime = (v: unknown): Date => {
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw invalid('DateTime', `must be ISO-8601 with a time, got ${shown(v)}`);
  const day = d.toISOString().slice(0, 10);
  if (d.getUTCFullYear() < 1900 || day < SUPPORTED_DATES.from || day > SUPPORTED_DATES.to) {
    throw invalid('DateTime', `must lie from ${SUPPORTED_DATES.from} to ${SUPPORTED_DATES.to}, got ${shown(v)}`);
  }
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

/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ActiveByProvince($from: Date!, $to: Date!) {\n  coverageSeries(\n    measure: ACTIVE_PARTICIPANTS\n    granularity: MONTH\n    from: $from\n    to: $to\n    groupBy: [PROVINCE]\n  ) {\n    measure\n    granularity\n    series {\n      key {\n        provinceCode\n      }\n      points {\n        period\n        periodEnd\n        value\n      }\n    }\n    rows {\n      period\n      provinceCode\n      value\n    }\n  }\n}\n\nquery TopProvinces($date: Date!, $limit: Int) {\n  coverageAt(\n    measure: ACTIVE_PARTICIPANTS\n    date: $date\n    groupBy: [PROVINCE]\n    limit: $limit\n  ) {\n    provinceCode\n    value\n  }\n}\n\nquery RegionCoverage($date: Date!) {\n  regions {\n    code\n    coverage(measure: ACTIVE_PARTICIPANTS, date: $date)\n  }\n}\n\nmutation AppendEvents($events: [EventInput!]!) {\n  appendEvents(events: $events) {\n    committed\n    headPosition\n    results {\n      status\n      position\n      error {\n        code\n        message\n        issues {\n          field\n          reason\n        }\n      }\n    }\n  }\n}": typeof types.ActiveByProvinceDocument,
};
const documents: Documents = {
    "query ActiveByProvince($from: Date!, $to: Date!) {\n  coverageSeries(\n    measure: ACTIVE_PARTICIPANTS\n    granularity: MONTH\n    from: $from\n    to: $to\n    groupBy: [PROVINCE]\n  ) {\n    measure\n    granularity\n    series {\n      key {\n        provinceCode\n      }\n      points {\n        period\n        periodEnd\n        value\n      }\n    }\n    rows {\n      period\n      provinceCode\n      value\n    }\n  }\n}\n\nquery TopProvinces($date: Date!, $limit: Int) {\n  coverageAt(\n    measure: ACTIVE_PARTICIPANTS\n    date: $date\n    groupBy: [PROVINCE]\n    limit: $limit\n  ) {\n    provinceCode\n    value\n  }\n}\n\nquery RegionCoverage($date: Date!) {\n  regions {\n    code\n    coverage(measure: ACTIVE_PARTICIPANTS, date: $date)\n  }\n}\n\nmutation AppendEvents($events: [EventInput!]!) {\n  appendEvents(events: $events) {\n    committed\n    headPosition\n    results {\n      status\n      position\n      error {\n        code\n        message\n        issues {\n          field\n          reason\n        }\n      }\n    }\n  }\n}": types.ActiveByProvinceDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ActiveByProvince($from: Date!, $to: Date!) {\n  coverageSeries(\n    measure: ACTIVE_PARTICIPANTS\n    granularity: MONTH\n    from: $from\n    to: $to\n    groupBy: [PROVINCE]\n  ) {\n    measure\n    granularity\n    series {\n      key {\n        provinceCode\n      }\n      points {\n        period\n        periodEnd\n        value\n      }\n    }\n    rows {\n      period\n      provinceCode\n      value\n    }\n  }\n}\n\nquery TopProvinces($date: Date!, $limit: Int) {\n  coverageAt(\n    measure: ACTIVE_PARTICIPANTS\n    date: $date\n    groupBy: [PROVINCE]\n    limit: $limit\n  ) {\n    provinceCode\n    value\n  }\n}\n\nquery RegionCoverage($date: Date!) {\n  regions {\n    code\n    coverage(measure: ACTIVE_PARTICIPANTS, date: $date)\n  }\n}\n\nmutation AppendEvents($events: [EventInput!]!) {\n  appendEvents(events: $events) {\n    committed\n    headPosition\n    results {\n      status\n      position\n      error {\n        code\n        message\n        issues {\n          field\n          reason\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query ActiveByProvince($from: Date!, $to: Date!) {\n  coverageSeries(\n    measure: ACTIVE_PARTICIPANTS\n    granularity: MONTH\n    from: $from\n    to: $to\n    groupBy: [PROVINCE]\n  ) {\n    measure\n    granularity\n    series {\n      key {\n        provinceCode\n      }\n      points {\n        period\n        periodEnd\n        value\n      }\n    }\n    rows {\n      period\n      provinceCode\n      value\n    }\n  }\n}\n\nquery TopProvinces($date: Date!, $limit: Int) {\n  coverageAt(\n    measure: ACTIVE_PARTICIPANTS\n    date: $date\n    groupBy: [PROVINCE]\n    limit: $limit\n  ) {\n    provinceCode\n    value\n  }\n}\n\nquery RegionCoverage($date: Date!) {\n  regions {\n    code\n    coverage(measure: ACTIVE_PARTICIPANTS, date: $date)\n  }\n}\n\nmutation AppendEvents($events: [EventInput!]!) {\n  appendEvents(events: $events) {\n    committed\n    headPosition\n    results {\n      status\n      position\n      error {\n        code\n        message\n        issues {\n          field\n          reason\n        }\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
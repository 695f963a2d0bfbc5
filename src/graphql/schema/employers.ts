import { builder } from '../builder.ts';

const EmployerStatus = builder.enumType('EmployerStatus', { values: ['REGISTERED', 'DEREGISTERED'] as const });
const ymd = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

builder.prismaObject('Employer', {
  fields: (t) => ({
    npp: t.exposeString('npp'),
    name: t.exposeString('name'),
    regionCode: t.exposeString('regionCode'),
    provinceCode: t.exposeString('province'),
    sizeClass: t.exposeString('sizeClass'),
    industry: t.exposeString('industry', { nullable: true }),
    status: t.field({ type: EmployerStatus, resolve: (e) => e.status as 'REGISTERED' | 'DEREGISTERED' }),
    registeredOn: t.field({ type: 'Date', resolve: (e) => ymd(e.registeredOn)! }),
    deregisteredOn: t.field({ type: 'Date', nullable: true, resolve: (e) => ymd(e.deregisteredOn) }),
  }),
});

builder.prismaObject('Licence', {
  description: 'A business licence from a regional licensing office (DPMPTSP).',
  fields: (t) => ({
    licenceNumber: t.exposeString('licenceNumber'),
    name: t.exposeString('name'),
    regionCode: t.exposeString('regionCode'),
    employees: t.exposeInt('employees'),
    npp: t.exposeString('npp', { nullable: true }),
    licensedOn: t.field({ type: 'Date', resolve: (l) => ymd(l.licensedOn)! }),
  }),
});

const regionWhere = (code?: string | null) => (code ? (code.length === 2 ? { province: code } : { regionCode: code }) : {});

builder.queryField('employers', (t) =>
  t.prismaConnection({
    type: 'Employer',
    cursor: 'npp',
    description: 'Registered (and deregistered) employers, by NPP.',
    args: { regionCode: t.arg.string({ description: 'Province or regency/city code' }), status: t.arg({ type: EmployerStatus }) },
    resolve: (query, _root, args, ctx) =>
      ctx.app.prisma.employer.findMany({ ...query, where: { ...regionWhere(args.regionCode), ...(args.status ? { status: args.status } : {}) }, orderBy: { npp: 'asc' } }),
  }, { name: 'EmployerConnection' }, { name: 'EmployerEdge' }),
);

builder.queryField('complianceGaps', (t) =>
  t.prismaConnection({
    type: 'Licence',
    cursor: 'licenceNumber',
    description: 'Licensed businesses with no registered employer behind them: no NPP, or an NPP that is not registered.',
    args: { regionCode: t.arg.string() },
    resolve: async (query, _root, args, ctx) => {
      const registered = await ctx.app.prisma.employer.findMany({ where: { status: 'REGISTERED', ...regionWhere(args.regionCode) }, select: { npp: true } });
      return ctx.app.prisma.licence.findMany({
        ...query,
        where: { ...regionWhere(args.regionCode), OR: [{ npp: null }, { npp: { notIn: registered.map((r) => r.npp) } }] },
        orderBy: { licenceNumber: 'asc' },
      });
    },
  }, { name: 'LicenceConnection' }, { name: 'LicenceEdge' }),
);

/**
 * The layering of src/, checked by `npm run lint` (docs/ARCHITECTURE.md, "Layers"). Lower layers
 * never import higher ones; import cycles stay inside one folder; the registry knows the shape of
 * an operation, not the services behind it. Type-only imports count: they are dependencies too.
 */
const FOUNDATION =
  '^src/(errors|config)[.]ts$|^src/(store|crypto|observability|identity|datasource-types|connectivity|wire/signature)/';
const DOMAIN = '^src/(access|audit|auth|workspaces|datasources|sharing|users)/';
const WIRING = '^src/(services|bootstrap)[.]ts$';
const API = '^src/(operations|registry)/';
const EDGE = '^src/(server|cli)/|^src/wire/(?!signature/)';

const upward = (name, from, to) => ({
  name,
  severity: 'error',
  comment: 'A lower layer imports a higher one (see docs/ARCHITECTURE.md, "Layers").',
  from: { path: from },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycle-across-folders',
      severity: 'error',
      comment: 'Import cycles are allowed only among the files of one folder of src/.',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, viaSomeNot: '^src/$1/' },
    },
    {
      name: 'no-cycle-at-top',
      severity: 'error',
      comment: 'The top-level files of src/ take part in no import cycle.',
      from: { path: '^src/[^/]+[.]ts$' },
      to: { circular: true },
    },
    upward('foundation-imports-higher', FOUNDATION, `${DOMAIN}|${WIRING}|${API}|${EDGE}`),
    upward('domain-imports-higher', DOMAIN, `${WIRING}|${API}|${EDGE}`),
    upward('wiring-imports-higher', WIRING, `${API}|${EDGE}`),
    upward('api-imports-edge', API, EDGE),
    {
      name: 'registry-imports-no-service',
      severity: 'error',
      comment:
        'The registry declares operations; services reach handlers through their context (src/operations/context.ts).',
      from: { path: '^src/registry/' },
      to: {
        path: '^src/services[.]ts$|-service[.]ts$|^src/(datasources|sharing|workspaces|audit|auth)/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

// Bundles the dashboard into dist/: one script, one stylesheet and the page, all served from /ui
// by the gateway (and the observability service), so nothing is fetched from a CDN at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  outfile: join(dist, 'assets', 'app.js'),
  logLevel: 'warning',
  legalComments: 'linked',
});

// uPlot's own stylesheet first, then the dashboard's.
const chartStyles = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
writeFileSync(join(dist, 'assets', 'app.css'), `${chartStyles}\n${readFileSync(join(here, 'src', 'styles.css'), 'utf8')}`);
copyFileSync(join(here, 'src', 'index.html'), join(dist, 'index.html'));

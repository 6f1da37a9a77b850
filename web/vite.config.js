// Built into one folder that scripts/build-web.sh embeds into the frugal binary: no CDN, no
// run-time npm; asset names carry content hashes so browsers may cache them.
export default {
  base: '/',
  build: { outDir: process.env.FRUGAL_WEB_OUT || 'dist', emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false },
};

/**
 * The images docker/Dockerfile builds. Every service of the registry has one
 * (the default target, `runtime`: apps/<name>, `node dist/main.bundle.js`), and so
 * does each command-line tool named here (the `tool` target: tools/<name>,
 * `node dist/cli.js`). The image workflow (.github/workflows/images.yml) and
 * `./meridian images` build the same list; a test holds the workflow to it.
 */
export const TOOL_IMAGES: readonly string[] = ['loadtest'];

/** The Dockerfile stage that makes a tool's image. */
export const TOOL_TARGET = 'tool';

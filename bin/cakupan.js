#!/usr/bin/env node
// The installed `cakupan` command: runs the TypeScript sources through tsx,
// so there is no build step between a checkout and a working CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

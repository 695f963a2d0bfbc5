// Worker threads do not inherit tsx's in-process hooks: register them here,
// then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./projector-thread-worker.ts');

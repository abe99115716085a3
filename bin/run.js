#!/usr/bin/env node
// spice-cli entry point: runs the compiled oclif commands from dist/.
import {execute} from '@oclif/core';

await execute({dir: import.meta.url});

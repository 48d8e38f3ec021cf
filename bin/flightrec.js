#!/usr/bin/env node
// What `npx flightrec` runs. It is a file in git with its execute bit set there: tsc writes dist/
// without one, so a bin pointing into dist/ failed with "Permission denied" after `npm ci`.
import '../dist/src/cli/main.js';

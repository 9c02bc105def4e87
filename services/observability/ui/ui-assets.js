'use strict';
// Where the built dashboard is, for the servers that serve it at /ui.
const { join } = require('node:path');

exports.uiAssetsDirectory = join(__dirname, 'dist');

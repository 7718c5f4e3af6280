// Validate a SARIF log against the SARIF 2.1.0 schema (draft-04) with ajv 6, and check
// that each race is one result with its two access sites as locations.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const [schemaPath, logPath] = process.argv.slice(2);
const ajv = new Ajv({ schemaId: 'id', allErrors: true, format: 'full', unknownFormats: 'ignore' });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const log = JSON.parse(fs.readFileSync(logPath, 'utf8'));
if (!ajv.validate(schema, log)) {
  console.error(ajv.errorsText(ajv.errors, { separator: '\n' }));
  process.exit(1);
}
const results = log.runs[0].results;
const races = results.filter((r) => r.ruleId === 'race');
if (races.length === 0) {
  console.error('no race result');
  process.exit(1);
}
for (const r of races) {
  if (!r.locations || r.locations.length !== 2) {
    console.error('a race result without two locations: ' + JSON.stringify(r.message));
    process.exit(1);
  }
}
console.log(`valid SARIF 2.1.0: ${results.length} results, ${races.length} races with both locations`);

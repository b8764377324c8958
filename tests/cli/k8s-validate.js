// SPDX-License-Identifier: Apache-2.0
// k8s-validate.js - check Kubernetes manifests against the Kubernetes API
// schema of the npm package kubernetes-models, for t-k8s-manifests.sh.
//
//   NODE_PATH=DIR/node_modules node k8s-validate.js FILE.yaml...
//
// Every YAML document of every file must have a known apiVersion and kind
// and pass two checks:
//  - its model's validate() (kubernetes-models): types, enums, required
//    fields;
//  - no field the schema does not know.  validate() alone lets those
//    through (the generated schemas do not forbid other properties), yet
//    the API server rejects them (kubectl's --validate=strict, the
//    default) or, worse, drops them silently: a misspelled "readOnly"
//    would mount the volume read-write.  The schema's own validator says
//    which fields it knows: it reads each known property of an object it
//    checks (and every key of a map), so a key of a checked object that
//    it never read is one the schema does not have.
// Prints one line per problem, "FILE: KIND NAME: PATH: message"; exits 1
// if there was any, 2 on a file that cannot be read.
'use strict';

const fs = require('fs');
const yaml = require('js-yaml');

// batch/v1 -> kubernetes-models/batch/v1; the core group's models are
// under kubernetes-models/v1
function modelModule(apiVersion) {
	return 'kubernetes-models/' + apiVersion;
}

// obj wrapped so that every property read of it and of the objects below
// it is recorded in seen: [{path, obj, read}]
function track(obj, path, seen) {
	if (obj === null || typeof obj !== 'object')
		return obj;
	const read = new Set();
	const kids = new Map();
	seen.push({ path, obj, read });
	return new Proxy(obj, {
		get(target, key, receiver) {
			const v = Reflect.get(target, key, receiver);
			if (typeof key !== 'string')
				return v;
			read.add(key);
			if (v === null || typeof v !== 'object')
				return v;
			if (!kids.has(key))
				kids.set(key, track(v, path + '/' + key, seen));
			return kids.get(key);
		},
	});
}

// The model's validate() run on a tracked copy of doc ("this" is all it
// reads); its errors are the other check's.
function unknownFields(Model, doc) {
	const seen = [];
	try {
		Model.prototype.validate.call(track(doc, '', seen));
	} catch (e) {
		// reported by check()
	}
	const out = [];
	for (const { path, obj, read } of seen) {
		if (Array.isArray(obj))
			continue;
		for (const key of Object.keys(obj))
			if (!read.has(key))
				out.push((path || '/') + ': unknown field "' + key +
					 '"');
	}
	return out;
}

function check(doc) {
	if (!doc || typeof doc.apiVersion !== 'string' ||
	    typeof doc.kind !== 'string')
		return ['not a Kubernetes object (apiVersion, kind)'];
	let Model;
	try {
		Model = require(modelModule(doc.apiVersion))[doc.kind];
	} catch (e) {
		Model = undefined;
	}
	if (typeof Model !== 'function')
		return ['unknown apiVersion/kind ' + doc.apiVersion + ' ' +
			doc.kind];
	const problems = [];
	try {
		new Model(doc).validate();
	} catch (e) {
		problems.push(String(e.message).replace(/\n/g, '; '));
	}
	return problems.concat(unknownFields(Model, doc));
}

let bad = 0;
for (const file of process.argv.slice(2)) {
	let docs;
	try {
		docs = yaml.loadAll(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		console.log(file + ': ' + e.message);
		process.exit(2);
	}
	docs = docs.filter((d) => d !== null && d !== undefined);
	if (docs.length === 0) {
		console.log(file + ': no document');
		bad++;
	}
	for (const doc of docs) {
		const name = (doc && doc.kind) + ' ' +
			(doc && doc.metadata && doc.metadata.name);
		for (const p of check(doc)) {
			console.log(file + ': ' + name + ': ' + p);
			bad++;
		}
	}
}
process.exit(bad ? 1 : 0);

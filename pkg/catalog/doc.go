// Package catalog models Backstage catalog entities: their Go types, entity
// references, decoding of catalog-info.yaml files with the file and line of
// every field, and validation that agrees with @backstage/catalog-model 1.10
// and the Template v1beta3 schema of @backstage/plugin-scaffolder-common.
//
// Decoding reads YAML the way Backstage does (YAML 1.2 core schema, as the npm
// yaml package reads it): "yes", "on", "12:30" and dates stay strings, "<<"
// merge keys are applied only in documents that declare %YAML 1.1, duplicate
// keys are errors, and an empty document is skipped.
//
// Resolve does what the catalog's processing does before validation where
// files beside the catalog file are needed ($text, $json and $yaml
// placeholders, Location targets); SpecRefs reads the references the
// catalog turns into relations.
package catalog

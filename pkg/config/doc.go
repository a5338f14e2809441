// Package config is the configuration of the stagecrew GitHub Action: Inputs
// holds every action input, Outputs every output. Both structs are the single
// source of truth: the action's metadata (action.yml) and its JSON Schema
// (schemas/action.schema.json) are generated from them, and Read parses and
// checks the inputs the runner hands to the action.
package config

//go:generate go run ../../cmd/stagecrew schema generate --root ../..

package corpus

import (
	"fmt"
	"strings"
)

// pipelineCases probe what the catalog's processing pipeline does beyond
// catalog-model's validators: placeholders ($text, $json, $yaml) read
// from files beside the catalog file, the processing output collector
// (empty annotations), explicit YAML tags as the npm yaml package reads
// them, URL hosts as Node's WHATWG parser reads them, and Location
// targets and types.
// BaseURL stands, in a case's text, for the absolute URL of the folder
// the case's files are served from (testenv.PipelineBase); a Go reader
// puts any absolute URL there.
const BaseURL = "@@BASE@@"

func pipelineCases(with func(kind string, f func(e *entity)) string) []Case {
	var cs []Case
	add := func(id, text string, files map[string]string) {
		cs = append(cs, Case{ID: id, YAML: text, Files: files})
	}

	// Placeholders at spec.definition of an API (Backstage's own examples).
	api := func(def string) string {
		return with("API", func(e *entity) { e.spec = setField(e.spec, "definition", def) })
	}
	openapi := "openapi: 3.0.0\ninfo: {title: x, version: '1'}\n"
	for i, p := range []struct {
		def   string
		files map[string]string
	}{
		{"\n    $text: ./openapi.yaml", map[string]string{"openapi.yaml": openapi}},
		{"{$text: openapi.yaml}", map[string]string{"openapi.yaml": openapi}},
		{"{$text: ./spec/openapi.yaml}", map[string]string{"spec/openapi.yaml": openapi}},
		{"{$text: ./missing.yaml}", nil},
		{"{$text: ../outside.yaml}", nil},
		{"{$text: 12}", nil},
		{"{$text: [a]}", nil},
		{"{$text: null}", nil},
		{"{$text: ./empty.txt}", map[string]string{"empty.txt": ""}},
		{"{$json: ./def.json}", map[string]string{"def.json": `{"openapi": "3.0.0"}`}},
		{"{$json: ./def.json}", map[string]string{"def.json": `"a JSON string"`}},
		{"{$json: ./def.json}", map[string]string{"def.json": `{not json`}},
		{"{$json: ./def.json}", map[string]string{"def.json": `12`}},
		{"{$yaml: ./def.yaml}", map[string]string{"def.yaml": openapi}},
		{"{$yaml: ./def.yaml}", map[string]string{"def.yaml": "just some text\n"}},
		{"{$yaml: ./def.yaml}", map[string]string{"def.yaml": "a: 1\n---\nb: 2\n"}},
		{"{$yaml: ./def.yaml}", map[string]string{"def.yaml": "a: [1\n"}},
		{"{$yaml: ./missing.yaml}", nil},
		{"{$text: ./a.txt, other: x}", map[string]string{"a.txt": "x"}},
		{"{$unknown: ./a.txt}", map[string]string{"a.txt": "x"}},
		{"{$ref: '#/definitions/x'}", nil},
		{"{text: ./a.txt}", map[string]string{"a.txt": "x"}},
		// Absolute URLs (BaseURL: the case's folder, served to the catalog):
		// stagecrew does not fetch them; $text counts as a string, $json
		// and $yaml as a mapping.
		{"{$text: '" + BaseURL + "/openapi.yaml'}", map[string]string{"openapi.yaml": openapi}},
		{"{$yaml: '" + BaseURL + "/openapi.yaml'}", map[string]string{"openapi.yaml": openapi}},
		{"{$json: '" + BaseURL + "/def.json'}", map[string]string{"def.json": `{"openapi": "3.0.0"}`}},
	} {
		add(fmt.Sprintf("placeholder/definition/%d", i), api(p.def), p.files)
	}
	// Placeholders elsewhere: metadata, annotations, other spec fields.
	for i, p := range []struct {
		kind, meta, spec string
		files            map[string]string
	}{
		{"Component", "  description: {$text: ./README.md}\n", "", map[string]string{"README.md": "# Payments\n\nThe service.\n"}},
		{"Component", "  description: {$text: ./README.md}\n", "", nil},
		{"Component", "  annotations:\n    example.com/doc: {$text: ./doc.txt}\n", "", map[string]string{"doc.txt": "doc"}},
		{"Component", "  annotations:\n    example.com/doc: {$json: ./doc.json}\n", "", map[string]string{"doc.json": `{"a": 1}`}},
		{"Component", "  annotations:\n    example.com/doc: {$json: ./doc.json}\n", "", map[string]string{"doc.json": `"text"`}},
		{"Component", "  labels: {$yaml: ./labels.yaml}\n", "", map[string]string{"labels.yaml": "tier: gold\nteam: payments\n"}},
		{"Component", "  labels: {$yaml: ./labels.yaml}\n", "", map[string]string{"labels.yaml": "tier: 'not valid'\n"}},
		{"Component", "  title: {$text: ./title.txt}\n", "", map[string]string{"title.txt": "Payments"}},
		{"Component", "", "owner", map[string]string{"owner.txt": "group:default/payments"}},
		{"Component", "", "type", map[string]string{"owner.txt": "x"}},
		{"Group", "", "children", map[string]string{"children.yaml": "[a, b]\n"}},
		{"Group", "", "childrenbad", map[string]string{"children.yaml": "[a, 1]\n"}},
		{"System", "  tags: [{$text: ./tag.txt}]\n", "", map[string]string{"tag.txt": "java"}},
	} {
		text := with(p.kind, func(e *entity) {
			if p.meta != "" {
				e.metadata = meta("sample", p.meta)
			}
			switch p.spec {
			case "owner":
				e.spec = setField(e.spec, "owner", "{$text: ./owner.txt}")
			case "type":
				e.spec = setField(e.spec, "type", "{$text: ./type.txt}")
			case "children":
				e.spec = setField(e.spec, "children", "{$yaml: ./children.yaml}")
			case "childrenbad":
				e.spec = setField(e.spec, "children", "{$yaml: ./children.yaml}")
			}
		})
		add(fmt.Sprintf("placeholder/field/%d", i), text, p.files)
	}

	// Empty annotations and labels on every kind: the catalog's processing
	// output collector reads a falsy annotations value as {}.
	for _, k := range kindOrder {
		for i, m := range []string{"  annotations:\n", "  annotations: ''\n", "  annotations: 0\n", "  annotations: false\n",
			"  annotations: ~\n", "  annotations: 1\n", "  annotations: x\n", "  labels:\n", "  labels: ''\n",
			"  annotations:\n    backstage.io/managed-by-location: 12\n"} {
			text := with(k, func(e *entity) { e.metadata = meta("sample", m) })
			add(fmt.Sprintf("emptymeta/%s/%d", k, i), text, locationFiles(text))
		}
	}

	// Explicit YAML tags of every core type, where a string is wanted and
	// where anything goes.
	tagged := []string{"!!timestamp 2024-01-01", "!!timestamp 2001-12-14t21:59:43.10-05:00", "!!timestamp x", "!!int 12", "!!int '12'",
		"!!int 0x1F", "!!int 1_000", "!!int 1.5", "!!float 1", "!!float 1.5", "!!float 1e3", "!!float .inf", "!!float x", "!!bool true",
		"!!bool yes", "!!bool x", "!!null", "!!null x", "!!null ''", "!!str 12", "!!str", "!!binary aGk=", "!!map {a: b}", "!!seq [a]",
		"!!str true", "!!int", "!!float", "!!timestamp 2024-1-2 3:04:05", "!!timestamp '2024-01-01'"}
	for i, v := range tagged {
		add(fmt.Sprintf("tag/name/%d", i), with("Component", func(e *entity) { e.metadata = meta(v) }), nil)
		add(fmt.Sprintf("tag/annotation/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  annotations:\n    k: "+v+"\n") }), nil)
		add(fmt.Sprintf("tag/spec/%d", i), with("Component", func(e *entity) { e.spec += "  extra: " + v + "\n" }), nil)
		add(fmt.Sprintf("tag/template/%d", i), with("Template", func(e *entity) { e.spec += "  presentation:\n    x: " + v + "\n" }), nil)
	}

	// URL hosts as Node's WHATWG URL parser reads them: IDNA labels,
	// bidi and joiner rules, mapped and forbidden characters.
	hosts := []string{"xn--a.com", "xn--ls8h.la", "a\u200f.com", "\u200fa.com", "münchen.de", "ex\u00adample.com", "\u0661\u0662.com",
		"a.b\u200d.com", "xn--.com", "xn--4gbrim.com", "ＥＸＡＭＰＬＥ.com", "-a.com", "a-.com", "ab--c.com", "xn--ab--c.com",
		"exa\u2488mple.com", "\u00df.de", "a\u3002b.com", "a\u05d0.com", "\u05d0a.com", "\u05d0.com", "XN--MNCHEN-3YA.de", "a_b.com",
		"a\u0301.com", "\u0301a.com", "xn--zz.com", "xn--a-ecp.ru", "\u2060a.com", "a\ufffd.com", "\U0001F600.com", "ab\u00a0c.com",
		"xn--abc-", "xn---abc", "a.xn--", "1.2.3.xn--a", "xn--1-.com", "a%C3%BC.com", "a%E2%80%8F.com", "\u05d0\u0661.com",
		"\u05d01.com", "\u0627\u0661\u0031.com", "a\u200c.com", "\u0645\u200c\u0645.com", "xn--mnchen-3ya.de:8080", "\u2488.com"}
	for i, h := range hosts {
		add(fmt.Sprintf("host/%d", i), with("Component", func(e *entity) {
			e.metadata = meta("x", "  links:\n    - url: \"https://"+h+"/path\"\n      title: T\n")
		}), nil)
	}

	// Location types and targets as the catalog reads them from a url
	// location.
	for i, l := range []struct {
		spec  string
		files map[string]string
	}{
		{"  type: url\n  target: ./x.yaml\n", map[string]string{"x.yaml": ""}},
		{"  type: url\n  target: ./x.yaml\n", nil},
		{"  target: ./x.yaml\n", nil},
		{"  target: ./x.yaml\n  presence: optional\n", nil},
		{"  targets: [./x.yaml, ./y.yaml]\n", map[string]string{"x.yaml": ""}},
		{"  type: github\n  target: ./x.yaml\n", map[string]string{"x.yaml": ""}},
		{"  type: url\n  target: ./x.yaml\n", map[string]string{"x.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: d}\nspec: {owner: o}\n"}},
	} {
		add(fmt.Sprintf("location/%d", i), with("Location", func(e *entity) { e.spec = l.spec }), l.files)
	}
	return cs
}

// locationFiles gives a Location case the files its base targets name.
func locationFiles(text string) map[string]string {
	if strings.Contains(text, "kind: Location") {
		return map[string]string{"a/catalog-info.yaml": "", "b/catalog-info.yaml": ""}
	}
	return nil
}

// Package corpus generates catalog files for conformance tests and
// benchmarks: a tricky corpus of entities at the edges of Backstage's rules
// (every kind, edge lengths, prefixes, YAML typing traps), and a large
// realistic corpus for timing.
package corpus

import (
	"fmt"
	"strings"
)

// Case is one catalog file: an ID that says what it probes, its text, and
// the files beside it that its placeholders and Location targets name
// (by path relative to it).
type Case struct {
	ID    string
	YAML  string
	Files map[string]string
}

// entity renders an entity document from its parts. Empty parts are left out.
type entity struct {
	apiVersion string // raw YAML scalar text
	kind       string
	metadata   string // YAML lines of the metadata block, indented 2
	spec       string // YAML lines of the spec block, indented 2; "-" for no spec
	extra      string // more root-level YAML
}

func (e entity) render() string {
	var b strings.Builder
	if e.apiVersion != "" {
		fmt.Fprintf(&b, "apiVersion: %s\n", e.apiVersion)
	}
	if e.kind != "" {
		fmt.Fprintf(&b, "kind: %s\n", e.kind)
	}
	if e.metadata != "" {
		b.WriteString("metadata:\n" + e.metadata)
	}
	if e.spec != "-" && e.spec != "" {
		b.WriteString("spec:\n" + e.spec)
	}
	b.WriteString(e.extra)
	return b.String()
}

// base entities, one per kind, all valid.
var bases = map[string]entity{
	"Component": {apiVersion: "backstage.io/v1alpha1", kind: "Component",
		spec: "  type: service\n  lifecycle: production\n  owner: group:default/payments\n  system: checkout\n  providesApis: [payments-api]\n  dependsOn: ['resource:payments-db']\n"},
	"API": {apiVersion: "backstage.io/v1alpha1", kind: "API",
		spec: "  type: openapi\n  lifecycle: production\n  owner: payments\n  definition: |\n    openapi: 3.0.0\n    info: {title: x, version: '1'}\n"},
	"Resource": {apiVersion: "backstage.io/v1alpha1", kind: "Resource",
		spec: "  type: database\n  owner: payments\n  dependsOn: []\n"},
	"System": {apiVersion: "backstage.io/v1alpha1", kind: "System",
		spec: "  owner: payments\n  domain: commerce\n"},
	"Domain": {apiVersion: "backstage.io/v1alpha1", kind: "Domain",
		spec: "  owner: payments\n"},
	"Group": {apiVersion: "backstage.io/v1alpha1", kind: "Group",
		spec: "  type: team\n  profile:\n    displayName: Payments\n    email: payments@example.com\n  parent: engineering\n  children: []\n  members: [jdoe]\n"},
	"User": {apiVersion: "backstage.io/v1alpha1", kind: "User",
		spec: "  profile:\n    displayName: Jane Doe\n  memberOf: [payments]\n"},
	"Location": {apiVersion: "backstage.io/v1alpha1", kind: "Location",
		spec: "  type: url\n  targets:\n    - ./a/catalog-info.yaml\n    - ./b/catalog-info.yaml\n"},
	"Template": {apiVersion: "scaffolder.backstage.io/v1beta3", kind: "Template",
		spec: "  owner: group:platform\n  type: service\n  parameters:\n    - title: Fill in\n      required: [name]\n      properties:\n        name: {type: string}\n  steps:\n    - id: fetch\n      name: Fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values: {name: '${{ parameters.name }}'}\n  output:\n    links:\n      - title: Repository\n        url: ${{ steps.publish.output.remoteUrl }}\n"},
}

var kindOrder = []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}

func meta(name string, more ...string) string {
	return "  name: " + name + "\n" + strings.Join(more, "")
}

// Tricky returns the conformance corpus: several hundred small catalog files,
// each probing one rule, valid and invalid.
func Tricky() []Case {
	var cs []Case
	add := func(id, text string) {
		c := Case{ID: id, YAML: text}
		if strings.Contains(text, "kind: Location") {
			// The base Location's targets, empty catalog files, so that
			// the catalog finds them.
			c.Files = map[string]string{"a/catalog-info.yaml": "", "b/catalog-info.yaml": ""}
		}
		cs = append(cs, c)
	}
	with := func(kind string, f func(e *entity)) string {
		e := bases[kind]
		e.metadata = meta("sample")
		f(&e)
		return e.render()
	}

	// Every kind, both versions, plain.
	for _, k := range kindOrder {
		add("base/"+k, with(k, func(e *entity) {}))
		add("v1beta1/"+k, with(k, func(e *entity) { e.apiVersion = "backstage.io/v1beta1" }))
		add("nospec/"+k, with(k, func(e *entity) { e.spec = "-" }))
		add("specnull/"+k, with(k, func(e *entity) { e.spec = "-"; e.extra = "spec: null\n" }))
		add("speclist/"+k, with(k, func(e *entity) { e.spec = "-"; e.extra = "spec: [a]\n" }))
		add("specempty/"+k, with(k, func(e *entity) { e.spec = "-"; e.extra = "spec: {}\n" }))
		add("lowerkind/"+k, with(k, func(e *entity) { e.kind = strings.ToLower(k) }))
		add("status/"+k, with(k, func(e *entity) { e.extra = "status: {items: []}\n" }))
		add("relations/"+k, with(k, func(e *entity) { e.extra = "relations: []\n" }))
	}

	// Names: lengths, characters, and YAML scalars that are not strings.
	names := []string{
		"a", "A", "0", "a-b", "a_b", "a.b", "a..b", "a--b", "-a", "a-", "_a", "a_", ".a", "a.",
		"'a b'", "ä", "\"a/b\"", "a:b", "'123'", "123", "1e3", "0x1F", "0o17", "12:30", "2024-01-01",
		"yes", "no", "on", "off", "true", "'true'", "null", "~", "''", "'-'", "\"\"",
		strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 62) + "-", "a" + strings.Repeat("-", 61) + "b",
		"MixedCase", "UPPER", "dotted.name.v2", "+1", ".inf", "-.inf", ".nan", "1_000", "0b11", "!!str 123", "!!int '7'",
		"[a]", "{a: b}", "'\tx'",
	}
	for i, n := range names {
		add(fmt.Sprintf("name/%d", i), with("Component", func(e *entity) { e.metadata = meta(n) }))
	}

	// Namespaces.
	namespaces := []string{"default", "Default", "my-ns", "my--ns", "-ns", "ns-", "ns_1", "ns.1", "1ns", "''", "null",
		strings.Repeat("n", 63), strings.Repeat("n", 64), "12", "ns-a-b-c", "NS"}
	for i, ns := range namespaces {
		add(fmt.Sprintf("namespace/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  namespace: "+ns+"\n") }))
	}

	// Label and annotation keys, and their values.
	long := func(n int) string {
		var parts []string
		for total := 0; total < n; {
			l := min(63, n-total)
			if total > 0 {
				l = min(63, n-total-1)
				if l <= 0 {
					break
				}
			}
			parts = append(parts, strings.Repeat("p", l))
			total += l
			if len(parts) > 1 {
				total++
			}
		}
		return strings.Join(parts, ".")
	}
	keys := []string{"simple", "backstage.io/techdocs-ref", "example.com/x", "a/b/c", "Example.com/x", "x.y/", "/x",
		"a_b", "a.b", "-a", "a-", "'a b'", "sub.example.com/Key_1.v2", "ex-ample.com/k", "ex_ample.com/k",
		"'" + long(253) + "/k'", "'" + long(254) + "/k'", "'p/" + strings.Repeat("k", 63) + "'", "'p/" + strings.Repeat("k", 64) + "'",
		"123", "true", "'1.50'", "1.50", "'x/'", "'/'", "aws.amazon.com/amazon-ecs-service-arn", "stagecrew.dev/role-arn.production",
		"github.com/project-slug", "'ünï/k'", "'a//b'", "0x10"}
	for i, k := range keys {
		add(fmt.Sprintf("labelkey/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  labels:\n    "+k+": v\n") }))
		add(fmt.Sprintf("annotationkey/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  annotations:\n    "+k+": v\n") }))
	}
	values := []string{"v", "''", "yes", "true", "'true'", "12", "'12'", "1.5", "null", "~", "[a]", "{a: b}", "'a b'", "|\n      multi\n      line",
		"a-b_c.d", "-a", "a-", strings.Repeat("v", 63), strings.Repeat("v", 64), "2024-01-01", "12:30", "0o17", "'héllo'", "!!str 12", ">-\n      folded\n      text",
		"arn:aws:states:us-east-1:123456789012:stateMachine:orders", "'key=v, k2=v2'", ".inf", "''''"}
	for i, v := range values {
		add(fmt.Sprintf("labelvalue/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  labels:\n    k: "+v+"\n") }))
		add(fmt.Sprintf("annotationvalue/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  annotations:\n    k: "+v+"\n") }))
	}
	for i, m := range []string{"  labels: null\n", "  labels: {}\n", "  labels: []\n", "  labels: x\n", "  annotations: null\n",
		"  annotations: {}\n", "  annotations: [a]\n", "  annotations:\n", "  labels:\n", "  tags:\n", "  tags: null\n", "  links:\n",
		"  links: {}\n", "  description: 12\n", "  description: ''\n", "  description: |\n    long text\n", "  title: ''\n", "  title: T\n",
		"  title: 12\n", "  uid: ''\n", "  uid: abc\n", "  etag: 5\n", "  extra: anything\n", "  namespace:\n"} {
		add(fmt.Sprintf("metafield/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", m) }))
	}

	// Tags.
	tags := []string{"java", "Java", "c++", "c#", "a:b", "a--b", "-a", "a-", "a_b", "a.b", "''", "12", "true", "null",
		strings.Repeat("t", 63), strings.Repeat("t", 64), "a-b-c", "k8s", "'a b'", "::", "+#", "x-"}
	for i, t := range tags {
		add(fmt.Sprintf("tag/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  tags: ["+t+"]\n") }))
	}

	// Links and the WHATWG URL rules.
	urls := []string{"https://example.com", "http://example.com/a?b#c", "http:example.com", "notaurl", "mailto:x@example.com",
		"http://", "https://", "'http://a b'", "http://1.2.3.4", "http://1.2.3.256", "http://256.1.1.1", "http://999999999", "http://4294967296",
		"'http://[::1]'", "'http://[::1'", "'http://[1::2::3]'", "http://host:65535", "http://host:65536", "http://host:80a", "http://host:",
		"file:///etc/passwd", "file://host/x", "'foo://a b'", "foo://ok", "//example.com", "'  https://example.com  '", "https://münchen.de",
		"http://a%20b.com", "http://a%2Fb.com", "http://user:pw@host", "http://user@", "http://@host", "https://x.com:0443", "urn:isbn:0451450523",
		"javascript:alert(1)", "data:text/plain,hi", "'https://exa mple.com'", "https://ex_ample.com", "http://0x7f.1", "http://0x100000000",
		"http://foo.123", "http://123.foo", "http://a..b", "https://.", "'http://a<b'", "'http://a^b'", "http://a|b", "ws://h", "wss://",
		"ftp://ftp.example.com", "1http://x", "h-t.t+p://x", "'ht tp://x'", "'http:\\\\\\\\host'", "'http://[::ffff:1.2.3.4]'", "'http://[fe80::1%25eth0]'",
		"HTTPS://EXAMPLE.COM", "https://example.com:99999", "'http://\t/'", "12", "''"}
	for i, u := range urls {
		add(fmt.Sprintf("link/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  links:\n    - url: "+u+"\n      title: T\n") }))
	}
	for i, l := range []string{"    - title: no url\n", "    - url: https://x.com\n      title: ''\n", "    - url: https://x.com\n      title: '  '\n",
		"    - url: https://x.com\n      icon: '\u00a0'\n", "    - url: https://x.com\n      icon: dashboard\n      type: admin\n", "    - url: https://x.com\n      type: ''\n",
		"    - https://x.com\n", "    - url: https://x.com\n      title: 12\n", "    - url: https://x.com\n      extra: ok\n", "    - url: https://x.com\n      title: '\u3000'\n",
		"    - url: https://x.com\n      title: '\u0085'\n", "    - url: https://x.com\n      title: '\ufeff'\n", "    - null\n"} {
		add(fmt.Sprintf("linkfield/%d", i), with("Component", func(e *entity) { e.metadata = meta("x", "  links:\n"+l) }))
	}

	// apiVersion and kind.
	for i, av := range []string{"backstage.io/v1", "v1alpha1", "backstage.io/v1alpha1/x", "Backstage.io/v1alpha1", "backstage.io/",
		"/v1alpha1", "''", "12", "backstage.io/v1-alpha1", "backstage.io/V1alpha1", "example.com/v1", "scaffolder.backstage.io/v1beta3"} {
		add(fmt.Sprintf("apiversion/%d", i), with("Component", func(e *entity) { e.apiVersion = av }))
	}
	for i, k := range []string{"component", "COMPONENT", "Component2", "1Component", "Comp-onent", "''", "12", "Template", "Api", "Widget",
		"'Component '", strings.Repeat("K", 64)} {
		add(fmt.Sprintf("kind/%d", i), with("Component", func(e *entity) { e.kind = k }))
	}
	add("root/no-apiversion", with("Component", func(e *entity) { e.apiVersion = "" }))
	add("root/no-kind", with("Component", func(e *entity) { e.kind = "" }))
	add("root/no-metadata", with("Component", func(e *entity) { e.metadata = "" }))
	add("root/metadata-list", with("Component", func(e *entity) { e.metadata = ""; e.extra = "metadata: [a]\n" }))
	add("root/metadata-null", with("Component", func(e *entity) { e.metadata = ""; e.extra = "metadata:\n" }))
	add("root/no-name", with("Component", func(e *entity) { e.metadata = "  title: T\n" }))
	add("root/foreign", with("Component", func(e *entity) { e.extra = "foo: bar\n" }))

	// Kind-specific spec fields: required ones missing, wrong types, empty strings.
	specFields := map[string][]string{
		"Component": {"type", "lifecycle", "owner", "system", "subcomponentOf", "providesApis", "consumesApis", "dependsOn"},
		"API":       {"type", "lifecycle", "owner", "definition", "system"},
		"Resource":  {"type", "owner", "dependsOn", "system"},
		"System":    {"owner", "domain", "type"},
		"Domain":    {"owner", "subdomainOf", "type"},
		"Group":     {"type", "children", "profile", "parent", "members"},
		"User":      {"memberOf", "profile"},
		"Location":  {"type", "target", "targets", "presence"},
		"Template":  {"type", "owner", "lifecycle", "parameters", "steps", "output"},
	}
	for _, k := range kindOrder {
		for _, f := range specFields[k] {
			for j, v := range []string{"", "''", "12", "[]", "['']", "[x]", "[1]", "x", "{a: b}", "null", "true"} {
				add(fmt.Sprintf("spec/%s/%s/%d", k, f, j), with(k, func(e *entity) { e.spec = setField(e.spec, f, v) }))
			}
		}
	}
	for i, p := range []string{"required", "optional", "Required", "''", "1"} {
		add(fmt.Sprintf("presence/%d", i), with("Location", func(e *entity) { e.spec = setField(e.spec, "presence", p) }))
	}
	for i, p := range []string{"{displayName: ''}", "{email: x}", "{picture: 12}", "{other: 1}", "{}", "[]"} {
		add(fmt.Sprintf("profile/%d", i), with("User", func(e *entity) { e.spec = setField(e.spec, "profile", p) }))
	}

	// Template details.
	steps := []string{"[]", "[{action: x}]", "[{id: a}]", "[{action: 12}]", "[{action: ''}]", "[{action: x, if: true}]", "[{action: x, if: 1}]",
		"[{action: x, if: '${{ parameters.a }}'}]", "[{action: x, input: []}]", "[{action: x, input: null}]", "[{action: x, id: 1}]",
		"[{action: x, name: null}]", "[x]", "[{action: x, 'backstage:permissions': {tags: [a]}}]", "[{action: x, 'backstage:permissions': {tags: [1]}}]",
		"[{action: x, 'backstage:permissions': []}]", "[{action: x, extra: 1}]"}
	for i, s := range steps {
		add(fmt.Sprintf("template/steps/%d", i), with("Template", func(e *entity) { e.spec = setField(e.spec, "steps", s) }))
	}
	params := []string{"{}", "[]", "[{}]", "[x]", "x", "{properties: {}}", "[{'backstage:permissions': {tags: [x]}}]", "{'backstage:permissions': 1}", "[[a]]"}
	for i, s := range params {
		add(fmt.Sprintf("template/params/%d", i), with("Template", func(e *entity) { e.spec = setField(e.spec, "parameters", s) }))
	}
	outputs := []string{"{}", "{links: []}", "{links: [{url: ''}]}", "{links: [{if: 1}]}", "{text: [{content: 1}]}", "{text: [{title: T, content: ''}]}",
		"{other: x}", "{other: 1}", "{links: x}", "[]", "{links: [{entityRef: '', title: T}]}"}
	for i, s := range outputs {
		add(fmt.Sprintf("template/output/%d", i), with("Template", func(e *entity) { e.spec = setField(e.spec, "output", s) }))
	}
	for i, extra := range []string{"  secrets: {schema: {}}\n", "  secrets: {schema: 1}\n", "  secrets: 1\n", "  presentation: {buttonLabels: {backButtonText: 1}}\n",
		"  presentation: {buttonLabels: {createButtonText: Go}}\n", "  EXPERIMENTAL_recovery: {EXPERIMENTAL_strategy: startOver}\n", "  EXPERIMENTAL_recovery: []\n",
		"  formDecorators: [{id: a, input: {}}]\n", "  formDecorators: [{id: 1}]\n", "  EXPERIMENTAL_formDecorators: [{input: []}]\n", "  formDecorators: {}\n"} {
		add(fmt.Sprintf("template/extra/%d", i), with("Template", func(e *entity) { e.spec += extra }))
	}

	// YAML typing and structure traps.
	yamlCases := []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  name: y\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x, labels: {a: b, \"a\": c}}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x, annotations: {1: a, '1': b}}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"base: &b {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec:\n  <<: {type: s, lifecycle: p, owner: o}\n",
		"%YAML 1.1\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec:\n  <<: {type: s, lifecycle: p, owner: o}\n",
		"%YAML 1.1\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x, labels: {a: yes}}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"%YAML 1.1\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x, annotations: {t: 12:30}}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"%YAML 1.2\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x, labels: {a: yes}}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: &n x, title: *n}\nspec: &s {type: s, lifecycle: p, owner: o}\n",
		"x: &s {type: s, lifecycle: p, owner: o}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"- apiVersion: backstage.io/v1alpha1\n  kind: Component\n",
		"just a string\n",
		"42\n",
		"",
		"---\n",
		"# only a comment\n",
		"---\n---\n---\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: s, lifecycle: p, owner: o}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: b}\nspec: {type: s, lifecycle: p}\n---\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: s, lifecycle: p, owner: o}\n...\n---\n42\n",
		"apiVersion: \"backstage.io/v1alpha1\"\nkind: 'Component'\nmetadata:\n  name: \"a\\u0062\"\nspec:\n  type: !!str service\n  lifecycle: >\n    production\n  owner: |-\n    o\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    backstage.io/source-location: url:https://github.com/o/r/tree/main/\n    github.com/project-slug: o/r\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x # trailing comment\n  # comment\nspec: {type: s, lifecycle: p, owner: o} # c\n",
		"{apiVersion: backstage.io/v1alpha1, kind: Component, metadata: {name: x}, spec: {type: s, lifecycle: p, owner: o}}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: s\n  lifecycle: p\n  owner: o\n  owner: p\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: !!int 12\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ! 12\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: !custom x\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  tags: [a, *missing]\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec: {type: s, lifecycle: p, owner: o\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n\tname: x\n",
		"apiVersion: backstage.io/v1alpha1\r\nkind: Component\r\nmetadata:\r\n  name: x\r\nspec: {type: s, lifecycle: p, owner: o}\r\n",
		"\ufeffapiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    ? complex\n    : value\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations: {~: null-key}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  labels: {true: x}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations: {1.50: x}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations: {0x10: x}\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations:\n    a: \"line1\\nline2\"\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: 'it''s'\nspec: {type: s, lifecycle: p, owner: o}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  type: s\n  lifecycle: p\n  owner: o\n  dependsOn:\n    - a\n    -\n",
	}
	for i, y := range yamlCases {
		add(fmt.Sprintf("yaml/%d", i), y)
	}
	cs = append(cs, pipelineCases(with)...)
	return cs
}

// setField replaces or adds a top-level field of a spec block. An empty value
// removes the field.
func setField(spec, field, value string) string {
	lines := strings.SplitAfter(spec, "\n")
	var out []string
	skipping := false
	for _, l := range lines {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "  "+field+":") {
			skipping = true
			continue
		}
		if skipping && strings.HasPrefix(l, "    ") {
			continue
		}
		skipping = false
		out = append(out, l)
	}
	if value != "" {
		out = append(out, "  "+field+": "+value+"\n")
	}
	return strings.Join(out, "")
}

// Large returns a realistic multi-document catalog file of n entities
// (mostly valid, about one in twenty invalid), for benchmarks.
func Large(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		k := kindOrder[i%len(kindOrder)]
		e := bases[k]
		e.metadata = fmt.Sprintf("  name: entity-%d\n  namespace: team-%d\n  title: Entity number %d\n  description: A generated %s for benchmarks.\n"+
			"  labels:\n    tier: t%d\n    example.com/cost-center: cc-%d\n  annotations:\n    backstage.io/source-location: url:https://github.com/acme/repo-%d/tree/main/\n"+
			"    github.com/project-slug: acme/repo-%d\n    aws.amazon.com/aws-stepfunctions-state-machine-arn: arn:aws:states:us-east-1:123456789012:stateMachine:sm-%d\n"+
			"  tags: [go, service, team-%d]\n  links:\n    - url: https://runbooks.example.com/%d\n      title: Runbook\n",
			i, i%50, i, k, i%3, i%7, i, i, i, i%50, i)
		if i%20 == 19 {
			e.metadata += "  badfield: [x]\n  labels2: 1\n"
			e.metadata = strings.Replace(e.metadata, "tier: t", "tier: -t", 1)
		}
		b.WriteString("---\n")
		b.WriteString(e.render())
	}
	return []byte(b.String())
}

// LargeFiles are the files the Locations of Large name as targets
// (empty catalog files), by path relative to the folder Large's files are
// written to: the catalog refuses a Location whose target is missing, so
// a benchmark writes these beside them.
func LargeFiles() map[string]string {
	return map[string]string{"a/catalog-info.yaml": "", "b/catalog-info.yaml": ""}
}

package catalog

import (
	"fmt"
	"maps"
	"slices"
)

// checkTemplateSpec mirrors the Template v1beta3 schema of
// @backstage/plugin-scaffolder-common 2.3.
func checkTemplateSpec(v *validator, spec map[string]any) {
	p := []string{"spec"}
	v.str1(spec, p, "type", true)
	v.str1(spec, p, "owner", false)
	v.str1(spec, p, "lifecycle", false)

	if raw, ok := spec["parameters"]; ok {
		switch params := raw.(type) {
		case map[string]any:
			v.permissions(at(p, "parameters"), params)
		case []any:
			for i, x := range params {
				pp := at(p, "parameters", fmt.Sprint(i))
				if m, ok := v.object(pp, x); ok {
					v.permissions(pp, m)
				}
			}
		default:
			v.addf(at(p, "parameters"), "must be a mapping or a list of mappings, found %s", jsType(raw))
		}
	}
	if raw, ok := spec["secrets"]; ok {
		if m, ok := v.object(at(p, "secrets"), raw); ok {
			if s, ok := m["schema"]; ok {
				v.object(at(p, "secrets", "schema"), s)
			}
		}
	}
	if raw, ok := spec["presentation"]; ok {
		if m, ok := v.object(at(p, "presentation"), raw); ok {
			if bl, ok := m["buttonLabels"]; ok {
				if b, ok := v.object(at(p, "presentation", "buttonLabels"), bl); ok {
					for _, f := range []string{"backButtonText", "createButtonText", "reviewButtonText"} {
						v.optString(b, at(p, "presentation", "buttonLabels"), f)
					}
				}
			}
		}
	}
	if raw, ok := spec["EXPERIMENTAL_recovery"]; ok {
		if m, ok := v.object(at(p, "EXPERIMENTAL_recovery"), raw); ok {
			v.optString(m, at(p, "EXPERIMENTAL_recovery"), "EXPERIMENTAL_strategy")
		}
	}
	for _, f := range []string{"formDecorators", "EXPERIMENTAL_formDecorators"} {
		raw, ok := spec[f]
		if !ok {
			continue
		}
		arr, ok := raw.([]any)
		if !ok {
			v.addf(at(p, f), "must be a list, found %s", jsType(raw))
			continue
		}
		for i, x := range arr {
			dp := at(p, f, fmt.Sprint(i))
			if m, ok := v.object(dp, x); ok {
				v.optString(m, dp, "id")
				if in, ok := m["input"]; ok {
					v.object(at(dp, "input"), in)
				}
			}
		}
	}

	steps, ok := spec["steps"]
	if !ok {
		v.addf(at(p, "steps"), "is required for kind Template")
	} else if arr, ok := steps.([]any); !ok {
		v.addf(at(p, "steps"), "must be a list of steps, found %s", jsType(steps))
	} else {
		for i, x := range arr {
			sp := at(p, "steps", fmt.Sprint(i))
			m, ok := v.object(sp, x)
			if !ok {
				continue
			}
			if a, ok := m["action"]; !ok {
				v.addf(at(sp, "action"), "is required: every step names an action")
			} else if _, isStr := a.(string); !isStr {
				v.addf(at(sp, "action"), "must be a string, found %s", jsType(a))
			}
			v.optString(m, sp, "id")
			v.optString(m, sp, "name")
			if in, ok := m["input"]; ok {
				v.object(at(sp, "input"), in)
			}
			v.stringOrBool(m, sp, "if")
			v.permissions(sp, m)
		}
	}

	if raw, ok := spec["output"]; ok {
		out, ok := v.object(at(p, "output"), raw)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(out)) {
			val := out[k]
			op := at(p, "output", k)
			switch k {
			case "links", "text":
				arr, ok := val.([]any)
				if !ok {
					v.addf(op, "must be a list, found %s", jsType(val))
					continue
				}
				for i, x := range arr {
					ip := at(op, fmt.Sprint(i))
					m, ok := v.object(ip, x)
					if !ok {
						continue
					}
					v.stringOrBool(m, ip, "if")
					v.str1(m, ip, "title", false)
					v.str1(m, ip, "icon", false)
					if k == "links" {
						v.str1(m, ip, "url", false)
						v.str1(m, ip, "entityRef", false)
					} else {
						v.optString(m, ip, "content")
					}
				}
			default:
				if _, isStr := val.(string); !isStr {
					v.addf(op, "must be a string, found %s", jsType(val))
				}
			}
		}
	}
}

// permissions checks an optional "backstage:permissions" block.
func (v *validator) permissions(p []string, m map[string]any) {
	raw, ok := m["backstage:permissions"]
	if !ok {
		return
	}
	pp := at(p, "backstage:permissions")
	perm, ok := v.object(pp, raw)
	if !ok {
		return
	}
	if tags, ok := perm["tags"]; ok {
		v.strList(at(pp, "tags"), tags, false)
	}
}

// object checks that raw is a mapping.
func (v *validator) object(p []string, raw any) (map[string]any, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		v.addf(p, "must be a mapping, found %s", jsType(raw))
	}
	return m, ok
}

// optString checks that field, when present, is a string (empty allowed).
func (v *validator) optString(m map[string]any, p []string, field string) {
	if raw, ok := m[field]; ok {
		if _, isStr := raw.(string); !isStr {
			v.addf(at(p, field), "must be a string, found %s", jsType(raw))
		}
	}
}

func (v *validator) stringOrBool(m map[string]any, p []string, field string) {
	raw, ok := m[field]
	if !ok {
		return
	}
	switch raw.(type) {
	case string, bool:
	default:
		v.addf(at(p, field), "must be a string or a boolean, found %s", jsType(raw))
	}
}

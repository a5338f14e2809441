package annotations

import (
	"fmt"
	"path"
	"strings"
)

// ParseEnvironments parses the value of stagecrew.dev/environments: names
// separated by commas ("staging, production"), each a Backstage object name
// (1-63 letters, digits and [-_.], starting and ending with a letter or
// digit), without repeats. Space around names is trimmed.
func ParseEnvironments(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no environments (expected names separated by commas)")
	}
	var envs []string
	seen := map[string]bool{}
	for i, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return nil, fmt.Errorf("item %d is empty", i+1)
		case len(name) > 63 || !isObjectName(name):
			return nil, fmt.Errorf("%q is not a valid environment name: use letters, digits and [-_.], starting and ending with a letter or digit, at most 63 characters", name)
		case seen[name]:
			return nil, fmt.Errorf("environment %q is listed twice", name)
		}
		seen[name] = true
		envs = append(envs, name)
	}
	return envs, nil
}

// checkContainer checks an ECS container name.
func checkContainer(s string) error {
	if !isECSName(s) {
		return fmt.Errorf("%q is not an ECS container name: 1-255 letters, digits, hyphens and underscores", s)
	}
	return nil
}

// checkRepoPath checks a path relative to the repository root: forward
// slashes, clean, not leaving the repository.
func checkRepoPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case strings.Contains(p, `\`):
		return fmt.Errorf("path %q has a backslash; use forward slashes", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is absolute; give it relative to the repository root", p)
	case path.Clean(p) == "." || path.Clean(p) == ".." || strings.HasPrefix(path.Clean(p), "../"):
		return fmt.Errorf("path %q is not a file inside the repository", p)
	case path.Clean(p) != p:
		return fmt.Errorf("path %q is not clean; write %q", p, path.Clean(p))
	}
	return nil
}

package ghrepo_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/stagecrew/stagecrew/pkg/ghrepo"
	"github.com/stagecrew/stagecrew/pkg/policy"
	"github.com/stagecrew/stagecrew/pkg/report"
)

// Read the facts a decision trusts from the default branch of the
// repository the workflow runs in, never from its checkout. The job's
// token needs `permissions: contents: read`.
func ExampleOpen() {
	ctx := context.Background()
	c, err := report.NewGitHubClient(nil, os.Getenv("GITHUB_API_URL"), os.Getenv("GITHUB_TOKEN"))
	if err != nil {
		panic(err)
	}
	s, err := ghrepo.Open(ctx, c, "acme", "orders", func(o *ghrepo.Options) {
		o.Limits.MaxFiles = 500
	})
	if err != nil {
		fmt.Println(err) // names the repository; ErrRepoNotFound, ErrUnauthorized, ... match with errors.Is
		return
	}
	entities, err := s.Entities(ctx)
	if err != nil {
		fmt.Println(err) // ErrTruncated, ErrTooManyFiles, ErrTooLarge, ... with the commit and path
		return
	}
	cat, err := policy.NewLocalCatalog(entities...)
	if err != nil {
		fmt.Println(err)
		return
	}
	pol := policy.DefaultPolicy()
	data, err := s.ReadFile(ctx, ".github/stagecrew.yaml")
	switch {
	case err == nil:
		if pol, err = policy.ParsePolicy(s.Location(".github/stagecrew.yaml"), data); err != nil {
			fmt.Println(err)
			return
		}
	case !errors.Is(err, fs.ErrNotExist):
		fmt.Println(err)
		return
	}
	fmt.Printf("%d entities and the policy of %s@%s (%s)\n", len(cat.Entities()), s.Branch, s.SHA, s.WebURL(".github/stagecrew.yaml", 1))
	_ = pol
}

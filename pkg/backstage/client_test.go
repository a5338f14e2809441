package backstage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

func TestMain(m *testing.M) { os.Exit(testenv.BackstageMain(m)) }

// server starts a real Backstage backend with this package's catalog and
// waits until the catalog has processed it.
func server(t *testing.T) (*testenv.BackstageServer, *backstage.Client) {
	t.Helper()
	abs, err := filepath.Abs("testdata/catalog-info.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := testenv.NewBackstage(t, testenv.BackstageOptions{CatalogFile: abs})
	srv.WaitForEntity(t, "resource:default/bucket-7", 60*time.Second)
	srv.WaitForEntity(t, "user:default/jdoe", 60*time.Second)
	c, err := backstage.New(srv.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestClientAgainstRealBackstage(t *testing.T) {
	srv, c := server(t)
	ctx := context.Background()

	t.Run("entity by ref", func(t *testing.T) {
		e, err := c.Entity(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Metadata.Annotations["github.com/project-slug"] != "acme/orders" || e.Spec["owner"] != "group:default/payments" {
			t.Errorf("entity = %+v", e)
		}
		// A processed entity carries what the catalog derived, such as relations.
		if rel, _ := e.Raw["relations"].([]any); len(rel) == 0 {
			t.Errorf("entity from Backstage has no relations: %v", e.Raw)
		}
		_, err = c.Entity(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "nope"})
		if !errors.Is(err, backstage.ErrNotFound) {
			t.Errorf("missing entity: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("query follows pages", func(t *testing.T) {
		all, err := c.Query(ctx, "kind=resource")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 7 {
			t.Errorf("got %d resources, want 7", len(all))
		}
		users, err := c.Query(ctx, "kind=user", "metadata.annotations.github.com/user-login=janedoe-GH")
		if err != nil || len(users) != 1 || users[0].Metadata.Name != "jdoe" {
			t.Errorf("user by login (case-insensitive): %v %v", users, err)
		}
		groups, err := c.Query(ctx, "kind=group", "relations.hasMember=user:default/rsmith")
		if err != nil || len(groups) != 1 || groups[0].Metadata.Name != "payments" {
			t.Errorf("groups of rsmith (from memberOf): %v %v", groups, err)
		}
	})

	t.Run("refresh", func(t *testing.T) {
		if err := c.Refresh(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "orders"}); err != nil {
			t.Fatal(err)
		}
		err := c.Refresh(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "nope"})
		if !errors.Is(err, backstage.ErrNotFound) {
			t.Errorf("refresh of a missing entity: %v", err)
		}
	})

	t.Run("notify reaches the owners", func(t *testing.T) {
		sent, err := c.Notify(ctx, backstage.Notification{
			Recipients: []catalog.Ref{{Kind: "group", Namespace: "default", Name: "payments"}},
			Title:      "orders deployed to production", Description: "succeeded in 42s", Severity: backstage.SeverityNormal,
			Link: "https://github.com/acme/orders/actions/runs/1", Topic: "stagecrew", Scope: "stagecrew:orders:production:1",
		})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]bool{}
		for _, s := range sent {
			users[s.User] = true
		}
		if !users["user:default/jdoe"] || !users["user:default/rsmith"] || len(sent) != 2 {
			t.Errorf("sent = %+v, want one each to jdoe and rsmith", sent)
		}
		if _, err := c.Notify(ctx, backstage.Notification{Recipients: sent2refs(sent)}); err == nil {
			t.Error("a notification without a title was accepted")
		}
	})

	t.Run("event", func(t *testing.T) {
		if err := c.PublishEvent(ctx, "stagecrew", map[string]any{"entity": "component:default/orders", "status": "succeeded"}); err != nil {
			t.Fatal(err)
		}
		err := c.PublishEvent(ctx, "not-configured", map[string]any{})
		var apiErr *backstage.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 404 {
			t.Errorf("unknown topic: %v", err)
		}
	})

	t.Run("bad token is unauthorized and never printed", func(t *testing.T) {
		bad, _ := backstage.New(srv.URL, "wrong-token-value-123")
		_, err := bad.Entity(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "orders"})
		if !errors.Is(err, backstage.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		if strings.Contains(err.Error(), "wrong-token-value-123") {
			t.Errorf("the token leaked into the error: %v", err)
		}
	})

	t.Run("token source is asked for every request", func(t *testing.T) {
		calls := 0
		src, _ := backstage.New(srv.URL, "", backstage.WithTokenSource(func(context.Context) (string, error) {
			calls++
			return srv.Token, nil
		}))
		for range 2 {
			if _, err := src.Entity(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "orders"}); err != nil {
				t.Fatal(err)
			}
		}
		if calls != 2 {
			t.Errorf("token source called %d times for 2 requests", calls)
		}
		failing, _ := backstage.New(srv.URL, "", backstage.WithTokenSource(func(context.Context) (string, error) {
			return "", errors.New("no token today")
		}))
		if _, err := failing.Entity(ctx, catalog.Ref{Kind: "Component", Namespace: "default", Name: "orders"}); err == nil || !strings.Contains(err.Error(), "no token today") {
			t.Errorf("a failing token source: err = %v", err)
		}
	})

	t.Run("unknown task", func(t *testing.T) {
		_, err := c.Task(ctx, "0b7c1f4e-6a1d-4c55-9a57-2f3b1e8c9d10")
		if !errors.Is(err, backstage.ErrNotFound) {
			t.Errorf("Task(unknown) = %v, want ErrNotFound", err)
		}
		if _, err := c.Task(ctx, "../../catalog/entities"); err == nil || errors.Is(err, backstage.ErrNotFound) {
			t.Errorf("Task with a path in the id = %v, want a refusal before any request", err)
		}
	})
}

func sent2refs(sent []backstage.Sent) []catalog.Ref {
	var refs []catalog.Ref
	for _, s := range sent {
		r, _ := catalog.ParseRef(s.User, "User", "")
		refs = append(refs, r)
	}
	return refs
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "backstage.example.com", "ftp://x", "http://"} {
		if _, err := backstage.New(u, "t"); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

package harness

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ExpectApplied creates each object, or updates it when it already exists, and fails
// the test on any error.
func (e *Environment) ExpectApplied(t testing.TB, objs ...client.Object) {
	t.Helper()
	for _, obj := range objs {
		if err := e.apply(obj); err != nil {
			t.Fatalf("applying %s %q: %v", kindOf(obj), obj.GetName(), err)
		}
	}
}

// ExpectRejected applies obj and expects the API server to refuse it with an error
// whose text contains every one of wantInMessage.
func (e *Environment) ExpectRejected(t testing.TB, obj client.Object, wantInMessage ...string) {
	t.Helper()
	err := e.apply(obj)
	if err == nil {
		t.Fatalf("applying %s %q succeeded, want it rejected with %q", kindOf(obj), obj.GetName(), wantInMessage)
	}
	if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
		t.Fatalf("applying %s %q failed with %v, want a validation error", kindOf(obj), obj.GetName(), err)
	}
	for _, want := range wantInMessage {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("applying %s %q was rejected with\n  %v\nwant the message to contain %q", kindOf(obj), obj.GetName(), err, want)
		}
	}
}

// ExpectDeleted deletes each object and waits until it is gone.
func (e *Environment) ExpectDeleted(t testing.TB, objs ...client.Object) {
	t.Helper()
	ctx := context.Background()
	for _, obj := range objs {
		if err := client.IgnoreNotFound(e.Client.Delete(ctx, obj)); err != nil {
			t.Fatalf("deleting %s %q: %v", kindOf(obj), obj.GetName(), err)
		}
		Eventually(t, 30*time.Second, fmt.Sprintf("%s %q to be gone", kindOf(obj), obj.GetName()), func() error {
			err := e.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("still present")
		})
	}
}

// ExpectFetched reads obj back from the API server into obj.
func (e *Environment) ExpectFetched(t testing.TB, obj client.Object) {
	t.Helper()
	if err := e.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatalf("getting %s %q: %v", kindOf(obj), obj.GetName(), err)
	}
}

// Eventually calls check until it returns nil or timeout passes, then fails the test
// saying what it waited for and the last error.
func Eventually(t testing.TB, timeout time.Duration, waitingFor string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last: %v", timeout, waitingFor, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Object decodes one YAML or JSON document into an unstructured object, failing the
// test when it does not parse.
func Object(t testing.TB, manifest string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096).Decode(&obj.Object); err != nil {
		t.Fatalf("parsing manifest: %v\n%s", err, manifest)
	}
	return obj
}

// ObjectFromFile is Object on the contents of path.
func ObjectFromFile(t testing.TB, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return Object(t, string(b))
}

func (e *Environment) apply(obj client.Object) error {
	ctx := context.Background()
	err := e.Client.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	current := obj.DeepCopyObject().(client.Object)
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(obj), current); err != nil {
		return err
	}
	obj.SetResourceVersion(current.GetResourceVersion())
	return e.Client.Update(ctx, obj)
}

func kindOf(obj client.Object) string {
	if kind := obj.GetObjectKind().GroupVersionKind().Kind; kind != "" {
		return kind
	}
	return fmt.Sprintf("%T", obj)
}

// A route table shaped like the GitHub REST API (233 routes: static paths,
// one to five parameters, typed ints, catch-alls), shared by the router's
// test and benchmark, with helpers to load it and to make paths it matches.
//
// Example:
//   ExamplePath("/repos/{owner}/{repo}/issues/{issue_number:int}")
//   // == "/repos/x-owner/x-repo/issues/42"
//   Router router = GithubRouter();
//   // router.Find("GET", GithubExamplePaths()[i], &params).handler_id == i
//   // for every i whose kGithubRoutes[i].method is "GET"
#ifndef HYPER_LIBS_ROUTING_GITHUB_ROUTES_H_
#define HYPER_LIBS_ROUTING_GITHUB_ROUTES_H_

#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/routing/router.h"

namespace hyper::routing {

struct GithubRoute {
  absl::string_view method;
  absl::string_view pattern;
};

inline constexpr GithubRoute kGithubRoutes[] = {
    {"GET", "/"},
    {"GET", "/user"},
    {"PATCH", "/user"},
    {"GET", "/user/repos"},
    {"POST", "/user/repos"},
    {"GET", "/user/emails"},
    {"POST", "/user/emails"},
    {"DELETE", "/user/emails"},
    {"GET", "/user/followers"},
    {"GET", "/user/following"},
    {"GET", "/user/following/{username}"},
    {"PUT", "/user/following/{username}"},
    {"DELETE", "/user/following/{username}"},
    {"GET", "/user/keys"},
    {"POST", "/user/keys"},
    {"GET", "/user/keys/{key_id:int}"},
    {"DELETE", "/user/keys/{key_id:int}"},
    {"GET", "/user/orgs"},
    {"GET", "/user/starred"},
    {"GET", "/user/starred/{owner}/{repo}"},
    {"PUT", "/user/starred/{owner}/{repo}"},
    {"DELETE", "/user/starred/{owner}/{repo}"},
    {"GET", "/user/subscriptions"},
    {"GET", "/user/teams"},
    {"GET", "/user/issues"},
    {"GET", "/user/installations"},
    {"GET", "/users"},
    {"GET", "/users/{username}"},
    {"GET", "/users/{username}/repos"},
    {"GET", "/users/{username}/orgs"},
    {"GET", "/users/{username}/gists"},
    {"GET", "/users/{username}/followers"},
    {"GET", "/users/{username}/following"},
    {"GET", "/users/{username}/following/{target_user}"},
    {"GET", "/users/{username}/keys"},
    {"GET", "/users/{username}/starred"},
    {"GET", "/users/{username}/subscriptions"},
    {"GET", "/users/{username}/events"},
    {"GET", "/users/{username}/events/public"},
    {"GET", "/users/{username}/events/orgs/{org}"},
    {"GET", "/users/{username}/received_events"},
    {"GET", "/users/{username}/received_events/public"},
    {"GET", "/users/{username}/packages/{package_type}/{package_name}"},
    {"GET", "/emojis"},
    {"GET", "/events"},
    {"GET", "/feeds"},
    {"GET", "/gitignore/templates"},
    {"GET", "/gitignore/templates/{name}"},
    {"GET", "/licenses"},
    {"GET", "/licenses/{license}"},
    {"GET", "/meta"},
    {"GET", "/rate_limit"},
    {"GET", "/zen"},
    {"POST", "/markdown"},
    {"POST", "/markdown/raw"},
    {"GET", "/notifications"},
    {"PUT", "/notifications"},
    {"GET", "/notifications/threads/{thread_id:int}"},
    {"PATCH", "/notifications/threads/{thread_id:int}"},
    {"GET", "/notifications/threads/{thread_id:int}/subscription"},
    {"PUT", "/notifications/threads/{thread_id:int}/subscription"},
    {"DELETE", "/notifications/threads/{thread_id:int}/subscription"},
    {"GET", "/gists"},
    {"POST", "/gists"},
    {"GET", "/gists/public"},
    {"GET", "/gists/starred"},
    {"GET", "/gists/{gist_id}"},
    {"PATCH", "/gists/{gist_id}"},
    {"DELETE", "/gists/{gist_id}"},
    {"GET", "/gists/{gist_id}/comments"},
    {"POST", "/gists/{gist_id}/comments"},
    {"GET", "/gists/{gist_id}/comments/{comment_id:int}"},
    {"DELETE", "/gists/{gist_id}/comments/{comment_id:int}"},
    {"GET", "/gists/{gist_id}/forks"},
    {"POST", "/gists/{gist_id}/forks"},
    {"GET", "/gists/{gist_id}/star"},
    {"PUT", "/gists/{gist_id}/star"},
    {"DELETE", "/gists/{gist_id}/star"},
    {"GET", "/gists/{gist_id}/{sha}"},
    {"GET", "/search/code"},
    {"GET", "/search/commits"},
    {"GET", "/search/issues"},
    {"GET", "/search/repositories"},
    {"GET", "/search/users"},
    {"GET", "/orgs/{org}"},
    {"PATCH", "/orgs/{org}"},
    {"GET", "/orgs/{org}/repos"},
    {"POST", "/orgs/{org}/repos"},
    {"GET", "/orgs/{org}/members"},
    {"GET", "/orgs/{org}/members/{username}"},
    {"DELETE", "/orgs/{org}/members/{username}"},
    {"GET", "/orgs/{org}/memberships/{username}"},
    {"PUT", "/orgs/{org}/memberships/{username}"},
    {"GET", "/orgs/{org}/public_members/{username}"},
    {"GET", "/orgs/{org}/hooks"},
    {"POST", "/orgs/{org}/hooks"},
    {"GET", "/orgs/{org}/hooks/{hook_id:int}"},
    {"PATCH", "/orgs/{org}/hooks/{hook_id:int}"},
    {"POST", "/orgs/{org}/hooks/{hook_id:int}/pings"},
    {"GET", "/orgs/{org}/issues"},
    {"GET", "/orgs/{org}/events"},
    {"GET", "/orgs/{org}/teams"},
    {"POST", "/orgs/{org}/teams"},
    {"GET", "/orgs/{org}/teams/{team_slug}"},
    {"PATCH", "/orgs/{org}/teams/{team_slug}"},
    {"DELETE", "/orgs/{org}/teams/{team_slug}"},
    {"GET", "/orgs/{org}/teams/{team_slug}/members"},
    {"GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}"},
    {"PUT", "/orgs/{org}/teams/{team_slug}/memberships/{username}"},
    {"GET", "/orgs/{org}/teams/{team_slug}/repos"},
    {"GET", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"},
    {"PUT", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"},
    {"GET", "/orgs/{org}/teams/{team_slug}/discussions"},
    {"POST", "/orgs/{org}/teams/{team_slug}/discussions"},
    {"GET", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}"},
    {"PATCH", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}"},
    {"GET", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/comments"},
    {"POST", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/comments"},
    {"GET", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/comments/{comment_number:int}"},
    {"GET", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/comments/{comment_number:int}/reactions"},
    {"POST", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/comments/{comment_number:int}/reactions"},
    {"DELETE", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/comments/{comment_number:int}/reactions/{reaction_id:int}"},
    {"GET", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/reactions"},
    {"DELETE", "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number:int}/reactions/{reaction_id:int}"},
    {"GET", "/repos/{owner}/{repo}"},
    {"PATCH", "/repos/{owner}/{repo}"},
    {"DELETE", "/repos/{owner}/{repo}"},
    {"GET", "/repos/{owner}/{repo}/{archive_format}/{ref}"},
    {"GET", "/repos/{owner}/{repo}/issues"},
    {"POST", "/repos/{owner}/{repo}/issues"},
    {"GET", "/repos/{owner}/{repo}/issues/comments"},
    {"GET", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}"},
    {"PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}"},
    {"GET", "/repos/{owner}/{repo}/issues/events/{event_id:int}"},
    {"GET", "/repos/{owner}/{repo}/issues/{issue_number:int}"},
    {"PATCH", "/repos/{owner}/{repo}/issues/{issue_number:int}"},
    {"GET", "/repos/{owner}/{repo}/issues/{issue_number:int}/comments"},
    {"POST", "/repos/{owner}/{repo}/issues/{issue_number:int}/comments"},
    {"GET", "/repos/{owner}/{repo}/issues/{issue_number:int}/labels"},
    {"POST", "/repos/{owner}/{repo}/issues/{issue_number:int}/labels"},
    {"DELETE", "/repos/{owner}/{repo}/issues/{issue_number:int}/labels/{name}"},
    {"PUT", "/repos/{owner}/{repo}/issues/{issue_number:int}/lock"},
    {"DELETE", "/repos/{owner}/{repo}/issues/{issue_number:int}/lock"},
    {"GET", "/repos/{owner}/{repo}/issues/{issue_number:int}/timeline"},
    {"GET", "/repos/{owner}/{repo}/pulls"},
    {"POST", "/repos/{owner}/{repo}/pulls"},
    {"GET", "/repos/{owner}/{repo}/pulls/comments/{comment_id:int}"},
    {"GET", "/repos/{owner}/{repo}/pulls/{pull_number:int}"},
    {"PATCH", "/repos/{owner}/{repo}/pulls/{pull_number:int}"},
    {"GET", "/repos/{owner}/{repo}/pulls/{pull_number:int}/commits"},
    {"GET", "/repos/{owner}/{repo}/pulls/{pull_number:int}/files"},
    {"GET", "/repos/{owner}/{repo}/pulls/{pull_number:int}/merge"},
    {"PUT", "/repos/{owner}/{repo}/pulls/{pull_number:int}/merge"},
    {"GET", "/repos/{owner}/{repo}/pulls/{pull_number:int}/reviews"},
    {"POST", "/repos/{owner}/{repo}/pulls/{pull_number:int}/reviews"},
    {"GET", "/repos/{owner}/{repo}/pulls/{pull_number:int}/reviews/{review_id:int}"},
    {"GET", "/repos/{owner}/{repo}/commits"},
    {"GET", "/repos/{owner}/{repo}/commits/{ref}"},
    {"GET", "/repos/{owner}/{repo}/commits/{ref}/status"},
    {"GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"},
    {"GET", "/repos/{owner}/{repo}/commits/{commit_sha}/comments"},
    {"GET", "/repos/{owner}/{repo}/compare/{basehead}"},
    {"GET", "/repos/{owner}/{repo}/branches"},
    {"GET", "/repos/{owner}/{repo}/branches/{branch}"},
    {"GET", "/repos/{owner}/{repo}/branches/{branch}/protection"},
    {"PUT", "/repos/{owner}/{repo}/branches/{branch}/protection"},
    {"POST", "/repos/{owner}/{repo}/branches/{branch}/rename"},
    {"GET", "/repos/{owner}/{repo}/tags"},
    {"GET", "/repos/{owner}/{repo}/contributors"},
    {"GET", "/repos/{owner}/{repo}/languages"},
    {"GET", "/repos/{owner}/{repo}/topics"},
    {"GET", "/repos/{owner}/{repo}/forks"},
    {"POST", "/repos/{owner}/{repo}/forks"},
    {"GET", "/repos/{owner}/{repo}/stargazers"},
    {"GET", "/repos/{owner}/{repo}/collaborators"},
    {"GET", "/repos/{owner}/{repo}/collaborators/{username}"},
    {"PUT", "/repos/{owner}/{repo}/collaborators/{username}"},
    {"GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"},
    {"GET", "/repos/{owner}/{repo}/contents/{path...}"},
    {"PUT", "/repos/{owner}/{repo}/contents/{path...}"},
    {"DELETE", "/repos/{owner}/{repo}/contents/{path...}"},
    {"GET", "/repos/{owner}/{repo}/readme"},
    {"GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"},
    {"POST", "/repos/{owner}/{repo}/git/blobs"},
    {"GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}"},
    {"GET", "/repos/{owner}/{repo}/git/ref/{ref...}"},
    {"POST", "/repos/{owner}/{repo}/git/refs"},
    {"PATCH", "/repos/{owner}/{repo}/git/refs/{ref...}"},
    {"DELETE", "/repos/{owner}/{repo}/git/refs/{ref...}"},
    {"GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}"},
    {"GET", "/repos/{owner}/{repo}/hooks"},
    {"POST", "/repos/{owner}/{repo}/hooks"},
    {"GET", "/repos/{owner}/{repo}/hooks/{hook_id:int}"},
    {"POST", "/repos/{owner}/{repo}/hooks/{hook_id:int}/tests"},
    {"GET", "/repos/{owner}/{repo}/labels"},
    {"GET", "/repos/{owner}/{repo}/labels/{name}"},
    {"GET", "/repos/{owner}/{repo}/milestones/{milestone_number:int}"},
    {"GET", "/repos/{owner}/{repo}/releases"},
    {"GET", "/repos/{owner}/{repo}/releases/latest"},
    {"GET", "/repos/{owner}/{repo}/releases/tags/{tag}"},
    {"GET", "/repos/{owner}/{repo}/releases/{release_id:int}"},
    {"GET", "/repos/{owner}/{repo}/releases/{release_id:int}/assets"},
    {"GET", "/repos/{owner}/{repo}/releases/assets/{asset_id:int}"},
    {"GET", "/repos/{owner}/{repo}/deployments/{deployment_id:int}/statuses/{status_id:int}"},
    {"GET", "/repos/{owner}/{repo}/actions/runs"},
    {"GET", "/repos/{owner}/{repo}/actions/runs/{run_id:int}"},
    {"GET", "/repos/{owner}/{repo}/actions/runs/{run_id:int}/jobs"},
    {"POST", "/repos/{owner}/{repo}/actions/runs/{run_id:int}/cancel"},
    {"GET", "/repos/{owner}/{repo}/actions/jobs/{job_id:int}/logs"},
    {"GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"},
    {"POST", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"},
    {"GET", "/repos/{owner}/{repo}/actions/secrets/public-key"},
    {"GET", "/repos/{owner}/{repo}/actions/secrets/{secret_name}"},
    {"PUT", "/repos/{owner}/{repo}/actions/secrets/{secret_name}"},
    {"GET", "/repos/{owner}/{repo}/actions/artifacts/{artifact_id:int}/{archive_format}"},
    {"GET", "/repos/{owner}/{repo}/check-runs/{check_run_id:int}"},
    {"GET", "/repos/{owner}/{repo}/statuses/{sha}"},
    {"POST", "/repos/{owner}/{repo}/statuses/{sha}"},
    {"GET", "/repos/{owner}/{repo}/comments/{comment_id:int}/reactions"},
    {"GET", "/repos/{owner}/{repo}/stats/contributors"},
    {"GET", "/repos/{owner}/{repo}/stats/punch_card"},
    {"GET", "/repos/{owner}/{repo}/pages/builds/latest"},
    {"GET", "/repos/{owner}/{repo}/traffic/popular/paths"},
    {"POST", "/repos/{owner}/{repo}/dispatches"},
    {"GET", "/teams/{team_id:int}"},
    {"GET", "/teams/{team_id:int}/members"},
    {"GET", "/projects/{project_id:int}/columns"},
    {"GET", "/projects/columns/{column_id:int}/cards"},
    {"POST", "/projects/columns/{column_id:int}/moves"},
    {"GET", "/app/installations/{installation_id:int}"},
    {"POST", "/app/installations/{installation_id:int}/access_tokens"},
    {"GET", "/networks/{owner}/{repo}/events"},
    {"GET", "/codes_of_conduct/{key}"},
};

// A path that `pattern` matches and no higher-priority route of the table
// does: "{name}" becomes "x-name", "{name:int}" becomes "42", and
// "{name...}" becomes "x-name/y".
inline std::string ExamplePath(absl::string_view pattern) {
  std::string path;
  while (!pattern.empty()) {
    size_t open = pattern.find('{');
    if (open == absl::string_view::npos) break;
    size_t close = pattern.find('}', open);
    absl::string_view param = pattern.substr(open + 1, close - open - 1);
    absl::StrAppend(&path, pattern.substr(0, open));
    if (absl::EndsWith(param, ":int")) {
      absl::StrAppend(&path, "42");
    } else if (absl::EndsWith(param, "...")) {
      absl::StrAppend(&path, "x-", param.substr(0, param.size() - 3), "/y");
    } else {
      absl::StrAppend(&path, "x-", param);
    }
    pattern.remove_prefix(close + 1);
  }
  absl::StrAppend(&path, pattern);
  return path;
}

// A Router holding kGithubRoutes, each with its index as handler id.
// Aborts if the router rejects one (router_test checks each Add).
inline Router GithubRouter() {
  Router router;
  for (uint32_t i = 0; i < std::size(kGithubRoutes); ++i) {
    if (!router.Add(kGithubRoutes[i].method, kGithubRoutes[i].pattern, i)
             .ok()) {
      std::abort();
    }
  }
  return router;
}

// ExamplePath() of each route, by index in kGithubRoutes.
inline std::vector<std::string> GithubExamplePaths() {
  std::vector<std::string> paths;
  for (const GithubRoute& r : kGithubRoutes) {
    paths.push_back(ExamplePath(r.pattern));
  }
  return paths;
}

}  // namespace hyper::routing

#endif  // HYPER_LIBS_ROUTING_GITHUB_ROUTES_H_

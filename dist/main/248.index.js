export const id = 248;
export const ids = [248];
export const modules = {

/***/ 9248:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   cacheBaselines: () => (/* binding */ cacheBaselines),
/* harmony export */   commentPort: () => (/* binding */ commentPort),
/* harmony export */   pullRequestContext: () => (/* binding */ pullRequestContext)
/* harmony export */ });
/* harmony import */ var _actions_cache__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1691);
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2413);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_4__);
/**
 * Binds the PR-comment and baseline ports to @actions/github and @actions/cache. Only the action
 * entry imports this: the CLI has no workflow context.
 */





function pullRequestContext() {
    const ctx = _actions_github__WEBPACK_IMPORTED_MODULE_1__/* .context */ ._;
    const pr = ctx.payload.pull_request;
    const repo = ctx.payload.repository;
    const onDefault = ctx.eventName === 'push' &&
        repo?.default_branch &&
        ctx.ref === `refs/heads/${repo.default_branch}`;
    return {
        workflow: ctx.workflow || undefined,
        job: ctx.job || undefined,
        pullRequest: pr?.base?.sha ? { number: pr.number, baseSha: pr.base.sha } : undefined,
        defaultBranchSha: onDefault || ctx.eventName === 'schedule' ? ctx.sha : undefined,
        runUrl: ctx.runId
            ? `${ctx.serverUrl}/${ctx.repo.owner}/${ctx.repo.repo}/actions/runs/${ctx.runId}`
            : undefined
    };
}
function commentPort(token, issueNumber) {
    const octokit = _actions_github__WEBPACK_IMPORTED_MODULE_1__/* .getOctokit */ .Q(token);
    const { owner, repo } = _actions_github__WEBPACK_IMPORTED_MODULE_1__/* .context */ ._.repo;
    return {
        list: async () => (await octokit.paginate(octokit.rest.issues.listComments, {
            owner,
            repo,
            issue_number: issueNumber,
            per_page: 100
        })).map((c) => ({
            id: c.id,
            body: c.body ?? undefined,
            author: c.user?.login,
            authorType: c.user?.type
        })),
        // A personal token can ask who it is; a GITHUB_TOKEN or app token cannot (403), and the
        // comment is then matched on a bot author.
        whoami: async () => {
            try {
                return (await octokit.rest.users.getAuthenticated()).data.login;
            }
            catch {
                return undefined;
            }
        },
        create: async (body) => void (await octokit.rest.issues.createComment({
            owner,
            repo,
            issue_number: issueNumber,
            body
        })),
        update: async (id, body) => void (await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }))
    };
}
/** A baseline is one small file cached under a key per commit: never pushed to the repository. */
function cacheBaselines() {
    if (!_actions_cache__WEBPACK_IMPORTED_MODULE_0__/* .isFeatureAvailable */ .w3())
        return undefined;
    const dir = node_path__WEBPACK_IMPORTED_MODULE_4__.join(node_os__WEBPACK_IMPORTED_MODULE_3__.tmpdir(), 'in-cluster-test-baseline');
    const file = node_path__WEBPACK_IMPORTED_MODULE_4__.join(dir, 'coverage.json');
    const key = (sha) => `in-cluster-test-coverage-${sha}`;
    return {
        async get(sha) {
            node_fs__WEBPACK_IMPORTED_MODULE_2__.rmSync(dir, { recursive: true, force: true });
            node_fs__WEBPACK_IMPORTED_MODULE_2__.mkdirSync(dir, { recursive: true });
            const hit = await _actions_cache__WEBPACK_IMPORTED_MODULE_0__/* .restoreCache */ .P3([dir], key(sha));
            if (!hit || !node_fs__WEBPACK_IMPORTED_MODULE_2__.existsSync(file))
                return undefined;
            const value = JSON.parse(node_fs__WEBPACK_IMPORTED_MODULE_2__.readFileSync(file, 'utf8')).coverage;
            return typeof value === 'number' ? value : undefined;
        },
        async put(sha, coverage) {
            node_fs__WEBPACK_IMPORTED_MODULE_2__.mkdirSync(dir, { recursive: true });
            node_fs__WEBPACK_IMPORTED_MODULE_2__.writeFileSync(file, JSON.stringify({ coverage }));
            await _actions_cache__WEBPACK_IMPORTED_MODULE_0__/* .saveCache */ .Io([dir], key(sha));
        }
    };
}


/***/ })

};

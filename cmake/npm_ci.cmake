# `npm ci` for a folder with its own package-lock.json (the web console, the manifest validator,
# the fake Kubernetes API server): run at build time only when the lockfile changed since
# node_modules was installed. Sets <out_stamp> to the file that dates the install, for rules that
# need the packages to depend on.
function(ambient_npm_ci dir comment out_stamp)
  # npm rewrites this file on every install, so it dates the installed node_modules.
  set(stamp ${dir}/node_modules/.package-lock.json)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${AMBIENT_NPM} ci --no-audit --no-fund --loglevel=error
    DEPENDS ${dir}/package.json ${dir}/package-lock.json
    WORKING_DIRECTORY ${dir}
    COMMENT "npm ci: ${comment}"
    VERBATIM)
  set(${out_stamp} ${stamp} PARENT_SCOPE)
endfunction()

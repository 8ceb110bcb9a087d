# web.cmake - the offline web map (web/): `npm ci` of web/package-lock.json into
# the build tree, then web/build.mjs lays the page out in ${LOOKOUT_WEB_DIR}
# (index.html and static/), which `lookout serve` hands out. Built with `all`
# when node and npm are on the machine; without them the C build goes on and
# the map is left out (scripts/setup.sh installs them).
option(LOOKOUT_WEB "Build the web map (needs node and npm)" ON)
if(NOT LOOKOUT_WEB)
  return()
endif()
find_program(LOOKOUT_NODE NAMES node nodejs)
find_program(LOOKOUT_NPM NAMES npm)
set(LOOKOUT_WEB_DIR ${CMAKE_BINARY_DIR}/web)          # the page: index.html, static/
set(LOOKOUT_WEB_NPM ${CMAKE_BINARY_DIR}/web-npm)      # npm ci here: node_modules/

if(NOT LOOKOUT_NODE OR NOT LOOKOUT_NPM)
  message(STATUS "web map: node or npm not found; the map page is not built (scripts/setup.sh installs them)")
  return()
endif()

set(_web_src ${PROJECT_SOURCE_DIR}/web)
# npm ci writes node_modules/.package-lock.json last: it stands for a whole install.
add_custom_command(
  OUTPUT ${LOOKOUT_WEB_NPM}/node_modules/.package-lock.json
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LOOKOUT_WEB_NPM}
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${_web_src}/package.json ${_web_src}/package-lock.json ${LOOKOUT_WEB_NPM}
  COMMAND ${LOOKOUT_NPM} ci --prefix ${LOOKOUT_WEB_NPM} --prefer-offline --no-audit --no-fund --loglevel=error
  DEPENDS ${_web_src}/package.json ${_web_src}/package-lock.json
  COMMENT "web map: npm ci (leaflet, world-atlas, topojson-client, playwright-core)"
  VERBATIM)
add_custom_command(
  OUTPUT ${LOOKOUT_WEB_NPM}/web.stamp
  COMMAND ${LOOKOUT_NODE} ${_web_src}/build.mjs --out ${LOOKOUT_WEB_DIR} --modules ${LOOKOUT_WEB_NPM}/node_modules
  COMMAND ${CMAKE_COMMAND} -E touch ${LOOKOUT_WEB_NPM}/web.stamp
  DEPENDS ${_web_src}/build.mjs ${_web_src}/index.html ${_web_src}/app.js ${_web_src}/style.css
          ${LOOKOUT_WEB_NPM}/node_modules/.package-lock.json
  COMMENT "web map: writing ${LOOKOUT_WEB_DIR}"
  VERBATIM)
add_custom_target(web ALL DEPENDS ${LOOKOUT_WEB_NPM}/web.stamp)

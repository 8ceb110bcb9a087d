# fuzz/targets.cmake - the fuzz targets and their sources, shared by the libFuzzer
# build (fuzz/CMakeLists.txt) and the corpus replay in ctest (fuzz/replay.cmake).
set(LOOKOUT_FUZZ_TARGETS fuzz_sentence fuzz_stream fuzz_decode fuzz_detect)

if(NOT TARGET PkgConfig::JANSSON)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
endif()

# lookout_fuzz_executable(<exe> <target> <extra sources...>)
function(lookout_fuzz_executable exe target)
  set(dir ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
  add_executable(${exe} ${dir}/${target}.c ${ARGN})
  if(NOT target STREQUAL "fuzz_sentence")
    target_sources(${exe} PRIVATE ${dir}/render.c)
  endif()
  target_include_directories(${exe} PRIVATE ${dir})
  target_compile_definitions(${exe} PRIVATE _DEFAULT_SOURCE)
  target_link_libraries(${exe} PRIVATE lookout_core PkgConfig::JANSSON)
endfunction()

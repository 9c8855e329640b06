from service_kit.problems import Conflict, NotFound, UnprocessableContent


class CategoryNotFound(NotFound):
    code = "category-not-found"
    title = "Category not found"


class CategorySlugTaken(Conflict):
    code = "slug-taken"
    title = "Slug already in use"


class CategoryCycle(Conflict):
    code = "category-cycle"
    title = "The category tree would contain a cycle"


class CategoryNotEmpty(Conflict):
    code = "category-not-empty"
    title = "The category still has active content"


class ParentCategoryUnavailable(UnprocessableContent):
    code = "parent-category-unavailable"
    title = "Parent category unknown or inactive"
